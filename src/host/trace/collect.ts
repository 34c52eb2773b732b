// Collects what a trace needs beyond the snapshot, per namespace: listening sockets (ss) and the sysctls that steer routing.
import type { Namespace, NamespaceId, Snapshot } from '../../core/model';
import { parseSs } from '../../core/trace/listeners';
import type { NamespaceExtras } from '../../core/trace/types';
import { mapLimit } from '../discovery';
import { formatArgv, type Runner } from '../runner';

/** The prefix that runs a command inside a namespace: nothing for the host, nsenter for the rest. */
export function enterNamespace(ns: Pick<Namespace, 'kind' | 'paths' | 'id'>): string[] {
  if (ns.kind === 'host') return [];
  const path = ns.paths[0];
  if (path === undefined) throw new Error(`namespace ${ns.id} has no path`);
  return ['nsenter', `--net=${path}`, '--'];
}

/** /proc/sys/net files the trace reads; /proc/sys/net shows the namespace of the reading process. */
export function sysctlFiles(ns: Namespace): string[] {
  const files = ['ipv4/ip_forward', 'ipv6/conf/all/forwarding', 'ipv4/conf/all/route_localnet',
    'bridge/bridge-nf-call-iptables', 'bridge/bridge-nf-call-ip6tables'];
  for (const i of ns.interfaces) if (/^[A-Za-z0-9_.@-]+$/.test(i.name)) files.push(`ipv4/conf/${i.name}/route_localnet`);
  return files;
}

/** `grep -H . FILES` prints `FILE:VALUE` per readable file. */
export function parseSysctls(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\/proc\/sys\/net\/(.+?):(.*)$/.exec(line);
    if (m?.[1] !== undefined) out[m[1]] = (m[2] ?? '').trim();
  }
  return out;
}

export async function collectNamespaceExtras(runner: Runner, ns: Namespace): Promise<NamespaceExtras> {
  const enter = enterNamespace(ns);
  const errors: string[] = [];
  const [ss, sys] = await Promise.all([
    runner.run([...enter, 'ss', '-H', '-ltnup']),
    // -s: the bridge files exist only with br_netfilter loaded; grep still prints the rest (exit 2).
    runner.run([...enter, 'grep', '-sH', '.', ...sysctlFiles(ns).map((f) => `/proc/sys/net/${f}`)]),
  ]);
  if (ss.failure) errors.push(`${formatArgv(ss.argv)}: ${ss.failure.message}`);
  if (sys.failure && sys.stdout.trim() === '') errors.push(`${formatArgv(sys.argv)}: ${sys.failure.message}`);
  return { listeners: ss.failure ? null : parseSs(ss.stdout), sysctls: parseSysctls(sys.stdout), errors };
}

/** Extras for the namespaces a trace may pass; all of them unless `only` narrows it. */
export async function collectTraceExtras(runner: Runner, snapshot: Snapshot, concurrency = 8, only?: ReadonlySet<NamespaceId>): Promise<Map<NamespaceId, NamespaceExtras>> {
  const list = snapshot.namespaces.filter((n) => only === undefined || only.has(n.id));
  const results = await mapLimit(list, concurrency, async (ns) => [ns.id, await collectNamespaceExtras(runner, ns)] as const);
  return new Map(results);
}
