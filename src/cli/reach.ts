// `netns-explorer reach`: the reachability matrix, every source to every listening socket and published port.
import { parseArgs } from 'node:util';
import { resolveNamespace } from '../core/namespaceRef';
import type { Snapshot } from '../core/model';
import { renderReachCsv, renderReachMarkdown, renderReachText } from '../core/reach/render';
import type { ReachScope } from '../core/reach/targets';
import { computeMatrixParallel } from '../host/reach/parallel';
import { readHost } from './readHost';
import { safeText } from './render';

export const REACH_USAGE = `usage:
  netns-explorer reach [--from SOURCE]... [--to NS]... [--json | --markdown | --csv]

  Can A reach B: every source (each namespace, and the outside world on each uplink of the host and of every
  namespace publishing ports) against every listening TCP and UDP socket and every published port, each under the
  address a client would dial. Each cell is traced like \`trace\`, the reply included, from one snapshot.
  --from SOURCE   a namespace (as for trace), or outside, outside:IFACE, outside:IFACE@NS (repeatable; default all)
  --to NS         namespaces whose sockets and published ports are columns (repeatable; default all)
  --json          { rows, columns, cells: [{ from, via?, to: { namespace, ip, port, proto }, verdict, reply,
                  connected, uncertain, rule, answer }] }
  --markdown, --csv   the matrix as a Markdown table, or one CSV line per cell
  --privilege, --docker-netns-dir, --docker-host and --timeout as for snapshot.
`;

export class ReachUsageError extends Error {}

function resolve(snapshot: Snapshot, ref: string): string {
  const found = resolveNamespace(snapshot.namespaces, ref);
  if (typeof found === 'string') throw new ReachUsageError(found);
  return found.id;
}

/** `--from`/`--to` values as namespace ids; outside rows keep their form, with a named namespace made an id. */
export function reachScope(snapshot: Snapshot, from?: readonly string[], to?: readonly string[]): ReachScope {
  const source = (f: string): string => {
    if (f !== 'outside' && !f.startsWith('outside:')) return resolve(snapshot, f);
    const at = f.indexOf('@');
    return at < 0 ? f : `${f.slice(0, at)}@${resolve(snapshot, f.slice(at + 1))}`;
  };
  return {
    ...(from?.length ? { from: from.map(source) } : {}),
    ...(to?.length ? { to: to.map((t) => resolve(snapshot, t)) } : {}),
  };
}

export async function runReach(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      from: { type: 'string', multiple: true },
      to: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
      markdown: { type: 'boolean', default: false },
      csv: { type: 'boolean', default: false },
      privilege: { type: 'string', default: 'auto' },
      'docker-netns-dir': { type: 'string', multiple: true },
      'docker-host': { type: 'string' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(REACH_USAGE);
    return 0;
  }
  if ([values.json, values.markdown, values.csv].filter(Boolean).length > 1)
    throw new ReachUsageError('give one of --json, --markdown and --csv');
  const { snapshot, extras } = await readHost(
    {
      privilege: values.privilege,
      timeout: values.timeout,
      dockerNetnsDirs: values['docker-netns-dir'],
      dockerHost: values['docker-host'],
    },
    { extras: true },
  );
  const matrix = await computeMatrixParallel(
    snapshot,
    extras ?? new Map(),
    reachScope(snapshot, values.from, values.to),
  );
  if (values.json) process.stdout.write(`${JSON.stringify(matrix)}\n`);
  else if (values.markdown) process.stdout.write(renderReachMarkdown(matrix));
  else if (values.csv) process.stdout.write(renderReachCsv(snapshot, matrix));
  else
    process.stdout.write(
      renderReachText(matrix)
        .split('\n')
        .map((line) => safeText(line))
        .join('\n'),
    );
  return 0;
}
