// Collects what a trace needs beyond the snapshot, per namespace: listening sockets (ss), the sysctls that steer
// routing, and the policy routing rules (`ip rule`, both families).
import { parsePolicyRules } from '../../core/ip/parse';
import { parseSs } from '../../core/listeners';
import type { Namespace, NamespaceId, Snapshot } from '../../core/model';
import type { NamespaceExtras } from '../../core/trace/types';
import { enterArgv, listenersArgv } from '../collect';
import { mapLimit } from '../discovery';
import { formatArgv, type Runner } from '../runner';

/** /proc/sys/net files the trace reads; /proc/sys/net shows the namespace of the reading process. */
export function sysctlFiles(ns: Namespace): string[] {
  const files = [
    'ipv4/ip_forward',
    'ipv6/conf/all/forwarding',
    'ipv4/conf/all/route_localnet',
    'ipv4/conf/all/proxy_arp',
    'ipv4/conf/all/rp_filter',
    'bridge/bridge-nf-call-iptables',
    'bridge/bridge-nf-call-ip6tables',
  ];
  for (const i of ns.interfaces)
    if (/^[A-Za-z0-9_.@-]+$/.test(i.name))
      files.push(
        `ipv4/conf/${i.name}/route_localnet`,
        `ipv4/conf/${i.name}/proxy_arp`,
        `ipv4/conf/${i.name}/rp_filter`,
      );
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
  const errors: string[] = [];
  const [ss, sys, rules4, rules6] = await Promise.all([
    runner.run(listenersArgv(ns)),
    // -s: the bridge files exist only with br_netfilter loaded; grep still prints the rest (exit 2).
    runner.run([...enterArgv(ns), 'grep', '-sH', '.', ...sysctlFiles(ns).map((f) => `/proc/sys/net/${f}`)]),
    runner.run([...enterArgv(ns), 'ip', '-j', 'rule', 'show']),
    runner.run([...enterArgv(ns), 'ip', '-j', '-6', 'rule', 'show']),
  ]);
  for (const r of [rules4, rules6]) if (r.failure) errors.push(`${formatArgv(r.argv)}: ${r.failure.message}`);
  const rules =
    rules4.failure || rules6.failure
      ? null
      : [...parsePolicyRules(rules4.stdout, 'ipv4'), ...parsePolicyRules(rules6.stdout, 'ipv6')];
  if (ss.failure) errors.push(`${formatArgv(ss.argv)}: ${ss.failure.message}`);
  if (sys.failure && sys.stdout.trim() === '') errors.push(`${formatArgv(sys.argv)}: ${sys.failure.message}`);
  const parsed = ss.failure ? null : parseSs(ss.stdout);
  for (const d of parsed?.diagnostics ?? [])
    errors.push(`${formatArgv(ss.argv)}: line ${d.line} not read: ${d.message}`);
  return { listeners: parsed?.listeners ?? null, sysctls: parseSysctls(sys.stdout), rules, errors };
}

/** Extras for the namespaces a trace may pass; all of them unless `only` narrows it. */
export async function collectTraceExtras(
  runner: Runner,
  snapshot: Snapshot,
  concurrency = 8,
  only?: ReadonlySet<NamespaceId>,
): Promise<Map<NamespaceId, NamespaceExtras>> {
  const list = snapshot.namespaces.filter((n) => only === undefined || only.has(n.id));
  const results = await mapLimit(
    list,
    concurrency,
    async (ns) => [ns.id, await collectNamespaceExtras(runner, ns)] as const,
  );
  return new Map(results);
}
