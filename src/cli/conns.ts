// `netns-explorer conns [--in NS] [--json]`: the live connections of every namespace (or one), from the kernel's
// connection-tracking table, each translated one tied to the port mapping whose rule translated it.
import { parseArgs } from 'node:util';
import { connectionText, linkConnections } from '../core/conntrack';
import { labelOrId, mappingKey, mappingText } from '../core/labels';
import { resolveNamespace } from '../core/namespaceRef';
import { readConnections } from '../host/conntrack';
import { HOST_READ_ARGS, readHost } from './readHost';
import { safeText } from './render';

export const CONNS_USAGE = `usage:
  netns-explorer conns [--in NS] [--json]

  The connections the kernel tracks in every namespace (or in NS), as conntrack -L shows them: original and reply
  tuples, state, whether the destination (DNAT) or the source (SNAT) was translated, counters when
  nf_conntrack_acct is on, and for a DNATed connection the port mapping whose rule translated it. NS as for trace.
  --json prints [{ namespace, family, protocol, state, timeout, original, reply, flags, dnat, snat, mapping, line }],
  original and reply being { src, dst, sport, dport, packets?, bytes? }, mapping the mapping's key or null.
  --privilege, --docker-netns-dir, --docker-host and --timeout as for snapshot.
`;

export class ConnsUsageError extends Error {}

export async function runConns(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: HOST_READ_ARGS,
  });
  if (values.help) {
    process.stdout.write(CONNS_USAGE);
    return 0;
  }
  const { runner, snapshot } = await readHost({
    privilege: values.privilege,
    timeout: values.timeout,
    dockerNetnsDirs: values['docker-netns-dir'],
    dockerHost: values['docker-host'],
  });
  let namespaces = snapshot.namespaces;
  if (values.in !== undefined) {
    const found = resolveNamespace(snapshot.namespaces, values.in);
    if (typeof found === 'string') throw new ConnsUsageError(found);
    namespaces = [found];
  }
  const reads = await readConnections(runner, namespaces);
  const connections = linkConnections(
    reads.flatMap((r) => r.connections),
    snapshot.portMappings,
  );
  for (const r of reads)
    if (r.error) process.stderr.write(`netns-explorer conns: ${r.command}: ${safeText(r.error)}\n`);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(connections)}\n`);
    return reads.some((r) => r.error) ? 1 : 0;
  }
  const label = (id: string) =>
    safeText(
      labelOrId(
        snapshot.namespaces.find((n) => n.id === id),
        id,
      ),
    );
  const byKey = new Map(snapshot.portMappings.map((m) => [`${m.namespace}\u0000${mappingKey(m)}`, m]));
  const lines: string[] = [];
  for (const ns of namespaces) {
    const here = connections.filter((c) => c.namespace === ns.id);
    if (!here.length) continue;
    lines.push(`${label(ns.id)} (${here.length} connection${here.length === 1 ? '' : 's'})`);
    for (const c of here) {
      const m = c.mapping ? byKey.get(`${c.namespace}\u0000${c.mapping}`) : undefined;
      const by = m ? `  [mapping ${safeText(mappingText(m))}]` : c.dnat ? '  [DNAT, no mapping found]' : '';
      lines.push(`  ${safeText(connectionText(c))}${by}`);
    }
  }
  lines.push('', `${connections.length} connections, ${connections.filter((c) => c.dnat).length} translated (DNAT)`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return reads.some((r) => r.error) ? 1 : 0;
}
