// Collects what a trace needs beyond the snapshot, per namespace: listening sockets (ss), the sysctls that steer
// routing, and the policy routing rules (`ip rule`, both families).
import { parsePolicyRules } from '../../core/ip/parse';
import { parseSs } from '../../core/listeners';
import type { DiscoveredNamespace, NamespaceId } from '../../core/model';
import type { NamespaceExtras } from '../../core/trace/types';
import { enterArgv, listenersArgv } from '../collect';
import { mapLimit } from '../discovery';
import { formatArgv, type Runner } from '../runner';

/**
 * The sysctls the trace reads, one `grep` in the namespace (/proc/sys/net shows the namespace of the reading process):
 * forwarding, br_netfilter's switches, and route_localnet, proxy_arp and rp_filter of `all` and of every interface,
 * found by recursion so that the namespace's interfaces need not be known first (the matrix reads this beside the
 * snapshot). `--include` applies to the named files too, so each is named by its base name.
 */
export function sysctlArgv(ns: Pick<DiscoveredNamespace, 'id' | 'kind' | 'paths'>): string[] {
  const names = [
    'ip_forward',
    'forwarding',
    'bridge-nf-call-iptables',
    'bridge-nf-call-ip6tables',
    'route_localnet',
    'proxy_arp',
    'rp_filter',
  ];
  return [
    ...enterArgv(ns),
    'grep',
    // -s: the bridge files exist only with br_netfilter loaded; grep still prints the rest (exit 2).
    '-rsH',
    ...names.map((n) => `--include=${n}`),
    '.',
    '/proc/sys/net/ipv4/ip_forward',
    '/proc/sys/net/ipv6/conf/all/forwarding',
    '/proc/sys/net/bridge',
    '/proc/sys/net/ipv4/conf',
  ];
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

type Enterable = Pick<DiscoveredNamespace, 'id' | 'kind' | 'paths'>;

export async function collectNamespaceExtras(runner: Runner, ns: Enterable): Promise<NamespaceExtras> {
  const errors: string[] = [];
  const [ss, sys, rules4, rules6] = await Promise.all([
    runner.run(listenersArgv(ns)),
    runner.run(sysctlArgv(ns)),
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

/**
 * Extras for the namespaces a trace may pass; all of them unless `only` narrows it. Only the namespaces' identities are
 * needed: a snapshot's, or a discovery's (to read them beside the snapshot).
 */
export async function collectTraceExtras(
  runner: Runner,
  snapshot: { namespaces: readonly Enterable[] },
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
