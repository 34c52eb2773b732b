// Collects what a trace needs beyond the snapshot, per namespace: listening sockets (ss), the sysctls that steer
// routing, and the policy routing rules (`ip rule`, both families).
import { parsePolicyRules } from '../../core/ip/parse';
import type { DiscoveredNamespace, NamespaceId } from '../../core/model';
import type { NamespaceExtras } from '../../core/trace/types';
import { parseSs, ssListenersArgv } from '../../core/listeners';
import { batchableNamespaces, LIVE_ENVIRONMENT, readAllNetns, type BatchEnvironment } from '../batchedCollect';
import { enterArgv } from '../collect';
import { mapLimit } from '../discovery';
import { formatArgv, type Runner } from '../runner';

/**
 * The sysctls the trace reads, one `grep` in the namespace (/proc/sys/net shows the namespace of the reading process):
 * forwarding, br_netfilter's switches, and route_localnet, proxy_arp and rp_filter of `all` and of every interface,
 * found by recursion so that the namespace's interfaces need not be known first (the matrix reads this beside the
 * snapshot). `--include` applies to the named files too, so each is named by its base name.
 */
const SYSCTL_GREP: readonly string[] = [
  'grep',
  // -s: the bridge files exist only with br_netfilter loaded; grep still prints the rest (exit 2).
  '-rsH',
  ...[
    'ip_forward',
    'forwarding',
    'bridge-nf-call-iptables',
    'bridge-nf-call-ip6tables',
    'route_localnet',
    'proxy_arp',
    'rp_filter',
  ].map((n) => `--include=${n}`),
  '.',
  '/proc/sys/net/ipv4/ip_forward',
  '/proc/sys/net/ipv6/conf/all/forwarding',
  '/proc/sys/net/bridge',
  '/proc/sys/net/ipv4/conf',
];

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

/** The four reads, without the prefix that enters a namespace: sockets, sysctls, and IPv4 and IPv6 policy rules. */
const EXTRAS_ARGVS: readonly (readonly string[])[] = [
  ssListenersArgv(),
  SYSCTL_GREP,
  ['ip', '-j', 'rule', 'show'],
  ['ip', '-j', '-6', 'rule', 'show'],
];

/** What one read printed, and its command and failure for the errors list. */
interface Output {
  stdout: string;
  command: string;
  failure: string | null;
}

function extrasFrom([ss, sys, rules4, rules6]: Output[]): NamespaceExtras {
  const errors: string[] = [];
  if (!ss || !sys || !rules4 || !rules6) throw new Error('four outputs expected');
  for (const r of [rules4, rules6]) if (r.failure) errors.push(`${r.command}: ${r.failure}`);
  const rules =
    rules4.failure || rules6.failure
      ? null
      : [...parsePolicyRules(rules4.stdout, 'ipv4'), ...parsePolicyRules(rules6.stdout, 'ipv6')];
  if (ss.failure) errors.push(`${ss.command}: ${ss.failure}`);
  // grep exits 2 when a file is missing (the bridge files without br_netfilter) and still prints the rest.
  if (sys.failure && sys.stdout.trim() === '') errors.push(`${sys.command}: ${sys.failure}`);
  const parsed = ss.failure ? null : parseSs(ss.stdout);
  for (const d of parsed?.diagnostics ?? []) errors.push(`${ss.command}: line ${d.line} not read: ${d.message}`);
  return { listeners: parsed?.listeners ?? null, sysctls: parseSysctls(sys.stdout), rules, errors };
}

export async function collectNamespaceExtras(runner: Runner, ns: Enterable): Promise<NamespaceExtras> {
  const results = await Promise.all(EXTRAS_ARGVS.map((argv) => runner.run([...enterArgv(ns), ...argv])));
  return extrasFrom(
    results.map((r) => ({ stdout: r.stdout, command: formatArgv(r.argv), failure: r.failure?.message ?? null })),
  );
}

/**
 * Extras for the namespaces a trace may pass; all of them unless `only` narrows it. Only the namespaces' identities are
 * needed: a snapshot's, or a discovery's (to read them beside the snapshot). The /run/netns ones are read with one
 * `ip -all netns exec` per command when that is safe (batchedCollect.ts): four processes instead of four per namespace.
 */
export async function collectTraceExtras(
  runner: Runner,
  snapshot: { namespaces: readonly Pick<DiscoveredNamespace, 'id' | 'kind' | 'name' | 'paths'>[] },
  concurrency = 8,
  only?: ReadonlySet<NamespaceId>,
  env: BatchEnvironment = LIVE_ENVIRONMENT,
): Promise<Map<NamespaceId, NamespaceExtras>> {
  const list = snapshot.namespaces.filter((n) => only === undefined || only.has(n.id));
  const batch = batchableNamespaces(snapshot, list, env, 2);
  const batched = batch.length ? await readAllNetns(runner, snapshot, batch, EXTRAS_ARGVS, env) : null;
  const out = new Map<NamespaceId, NamespaceExtras>();
  for (const [id, texts] of batched ?? [])
    out.set(
      id,
      extrasFrom(
        texts.map((stdout, i) => ({
          stdout,
          command: `ip -all netns exec ${formatArgv([...(EXTRAS_ARGVS[i] ?? [])])}`,
          failure: null,
        })),
      ),
    );
  const results = await mapLimit(
    list.filter((n) => !out.has(n.id)),
    concurrency,
    async (ns) => [ns.id, await collectNamespaceExtras(runner, ns)] as const,
  );
  for (const [id, extras] of results) out.set(id, extras);
  // In the order asked, whatever was read first.
  return new Map(list.map((n) => [n.id, out.get(n.id)!]));
}
