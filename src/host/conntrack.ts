// Reads the connection-tracking table of namespaces with Debian's `conntrack -L -o extended` (core/conntrack.ts reads
// its lines). A namespace whose table is empty prints nothing; conntrack's summary goes to stderr.
import { parseConntrack, type Connection } from '../core/conntrack';
import type { DiscoveredNamespace, NamespaceId } from '../core/model';
import { enterArgv } from './collect';
import { mapLimit } from './discovery';
import { formatArgv, type Runner } from './runner';

export interface ConntrackRead {
  namespace: NamespaceId;
  connections: Omit<Connection, 'mapping'>[];
  /** Why the table could not be read (conntrack missing, no root). */
  error: string | null;
  command: string;
}

export function conntrackArgv(ns: Pick<DiscoveredNamespace, 'id' | 'kind' | 'paths'>): string[] {
  return [...enterArgv(ns), 'conntrack', '-L', '-o', 'extended'];
}

export async function readConnections(
  runner: Runner,
  namespaces: readonly Pick<DiscoveredNamespace, 'id' | 'kind' | 'paths'>[],
  concurrency = 8,
): Promise<ConntrackRead[]> {
  return mapLimit([...namespaces], concurrency, async (ns) => {
    const r = await runner.run(conntrackArgv(ns));
    const command = formatArgv(r.argv);
    if (r.failure)
      return {
        namespace: ns.id,
        connections: [],
        error:
          r.failure.reason === 'missing'
            ? 'conntrack is not installed (Debian: apt install conntrack)'
            : r.failure.message,
        command,
      };
    return { namespace: ns.id, connections: parseConntrack(ns.id, r.stdout), error: null, command };
  });
}
