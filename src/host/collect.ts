// Collects links, addresses, routes and NAT rules from every namespace, concurrently, into one Snapshot.
import { IP_BATCH_COMMANDS } from '../core/ip/parse';
import { ssListenersArgv } from '../core/listeners';
import type { DiscoveredNamespace, Discovery, Family, RawNamespaceData, Snapshot, SnapshotError } from '../core/model';
import { buildSnapshot, RuleParseCache } from '../core/snapshot';
import { batchableNamespaces, collectBatched, LIVE_ENVIRONMENT, type BatchEnvironment } from './batchedCollect';
import { mapLimit } from './discovery';
import { readNative } from './nftRead';
import { formatArgv, type CommandResult, type Runner } from './runner';

export interface CollectOptions {
  /** Namespaces read at once; each runs up to three commands. */
  concurrency?: number;
  /** Skip iptables (a user without root gets links and routes, and one clear error per namespace). */
  skipNat?: boolean;
  /** Read many /run/netns namespaces with `ip -all netns exec` (default true; false forces one read per namespace). */
  batch?: boolean;
  /** Root and /run/netns as the batch should see them: the live machine unless a replay says otherwise. */
  batchEnvironment?: BatchEnvironment;
}

export const DEFAULT_CONCURRENCY = 8;

const LEGACY_WARNING = /iptables-legacy tables present/;

/** The argv prefix that runs a command inside `ns`: nothing for the host, nsenter for the rest. */
export function enterArgv(ns: Pick<DiscoveredNamespace, 'id' | 'kind' | 'paths'>): string[] {
  if (ns.kind === 'host') return [];
  const path = ns.paths[0];
  if (path === undefined) throw new Error(`namespace ${ns.id} has no path`);
  return ['nsenter', `--net=${path}`, '--'];
}

/**
 * The one `ss` run that lists `ns`'s listening sockets, for the trace and the mapping checks alike (parsed by
 * core/listeners).
 */
export function listenersArgv(
  ns: Pick<DiscoveredNamespace, 'id' | 'kind' | 'paths'>,
  options: { sctp?: boolean } = {},
): string[] {
  return [...enterArgv(ns), ...ssListenersArgv(options)];
}

export function ipBatchArgv(ns: DiscoveredNamespace): string[] {
  const base = ['-j', '-d', '-batch', '-'];
  if (ns.kind === 'host') return ['ip', ...base];
  if (ns.kind === 'named' && ns.name !== null) return ['ip', '-n', ns.name, ...base];
  return [...enterArgv(ns), 'ip', ...base];
}

function commandError(ns: DiscoveredNamespace, result: CommandResult): SnapshotError | null {
  if (result.failure === null) return null;
  return {
    namespace: ns.id,
    command: formatArgv(result.argv),
    reason: result.failure.reason,
    message: result.failure.message,
  };
}

async function collectNat(
  runner: Runner,
  ns: DiscoveredNamespace,
  family: Family,
  out: RawNamespaceData,
): Promise<void> {
  const tool = family === 'ipv4' ? 'iptables' : 'ip6tables';
  const save = await runner.run([...enterArgv(ns), `${tool}-save`, '-c']);
  const err = commandError(ns, save);
  if (err) {
    out.errors.push(err);
    return;
  }
  out.nat.push({ family, source: `${tool}-save`, command: formatArgv(save.argv), text: save.stdout });
  // nf_tables iptables hides rules written by the legacy backend; it says so on stderr.
  if (LEGACY_WARNING.test(save.stderr)) {
    const legacy = await runner.run([...enterArgv(ns), `${tool}-legacy-save`, '-c']);
    const legacyErr = commandError(ns, legacy);
    if (legacyErr) out.errors.push(legacyErr);
    else out.nat.push({ family, source: `${tool}-legacy-save`, command: formatArgv(legacy.argv), text: legacy.stdout });
  }
}

/**
 * Native nftables rules. A host without `nft` has no reader for them: that is not an error of each namespace (iptables'
 * tables are still read), so a missing tool is skipped; docs/NFTABLES.md says so.
 */
export async function collectNft(
  runner: Runner,
  ns: DiscoveredNamespace,
  out: RawNamespaceData,
  chains?: { text: string; command: string },
): Promise<void> {
  const read = await readNative(runner, enterArgv(ns), chains);
  if (read.kind === 'missing') return;
  if (read.kind === 'failed') {
    const err = commandError(ns, read.result);
    if (err) out.errors.push(err);
  } else if (read.kind === 'unreadable') {
    out.errors.push({ namespace: ns.id, command: read.command, reason: 'parse', message: 'nft printed no JSON' });
  } else if (read.text !== '') {
    out.nat.push({ family: 'all', source: 'nft', command: read.command, text: read.text });
  }
}

export async function collectNamespace(
  runner: Runner,
  ns: DiscoveredNamespace,
  options: CollectOptions = {},
): Promise<RawNamespaceData> {
  const out: RawNamespaceData = { namespace: ns, ip: null, nat: [], errors: [] };
  const readIp = async (): Promise<void> => {
    const r = await runner.run(ipBatchArgv(ns), { input: `${IP_BATCH_COMMANDS.join('\n')}\n` });
    const err = commandError(ns, r);
    if (err) out.errors.push(err);
    // ip stops at the first failing batch line but keeps what it printed before it.
    if (r.stdout.trim() !== '') out.ip = { command: formatArgv(r.argv), text: r.stdout };
  };
  const jobs = [readIp()];
  if (!options.skipNat)
    jobs.push(collectNat(runner, ns, 'ipv4', out), collectNat(runner, ns, 'ipv6', out), collectNft(runner, ns, out));
  await Promise.all(jobs);
  // Keep the nat sets in a fixed order whatever finished first; nft's last, as it defers to iptables' tables.
  out.nat.sort((a, b) => a.source.localeCompare(b.source));
  return out;
}

export async function collectSnapshot(
  runner: Runner,
  discovery: Discovery,
  options: CollectOptions = {},
): Promise<Snapshot> {
  return new SnapshotCollector(runner, options).full(discovery);
}

/**
 * Keeps what each namespace last returned, so a refresh can read again only the namespaces that
 * changed: new ones, and the ones an event named (ip monitor reports the host's links). Namespaces
 * that are gone drop out. The model is always rebuilt whole: it is cheap next to the commands.
 */
export class SnapshotCollector {
  private readonly cache = new Map<string, RawNamespaceData>();
  private last: Snapshot | null = null;
  /** The last build's parse of each namespace's rules, reused for a dump that did not change. */
  private readonly rules = new RuleParseCache();

  constructor(
    private readonly runner: Runner,
    private readonly options: CollectOptions = {},
  ) {}

  /**
   * Reads every namespace; those in `keepRules` (their rules followed by events, host/ruleEvents.ts) have their links
   * read again and their last rule dumps kept.
   */
  full(discovery: Discovery, keepRules: ReadonlySet<string> = new Set()): Promise<Snapshot> {
    return this.collect(discovery, () => true, keepRules);
  }

  /** Reads new namespaces and those in `changed`; reuses the rest. */
  incremental(discovery: Discovery, changed: ReadonlySet<string>): Promise<Snapshot> {
    return this.collect(discovery, (ns) => changed.has(ns.id) || !this.cache.has(ns.id), new Set());
  }

  private async collect(
    discovery: Discovery,
    mustRead: (ns: DiscoveredNamespace) => boolean,
    keepRules: ReadonlySet<string>,
  ): Promise<Snapshot> {
    const read = discovery.namespaces.filter(mustRead);
    const linksOnly = read.filter((ns) => keepRules.has(ns.id) && this.cache.has(ns.id) && !this.options.skipNat);
    const linksOnlySet = new Set(linksOnly);
    const whole = read.filter((ns) => !linksOnlySet.has(ns));
    const [fresh, links] = await Promise.all([
      this.readNamespaces(discovery, whole),
      mapLimit(linksOnly, this.options.concurrency ?? DEFAULT_CONCURRENCY, (ns) =>
        collectNamespace(this.runner, ns, { ...this.options, skipNat: true }),
      ),
    ]);
    for (const data of links) {
      const before = this.cache.get(data.namespace.id)!;
      fresh.push({ ...data, nat: before.nat, errors: [...data.errors, ...before.errors.filter(isRuleError)] });
    }
    const byId = new Map(fresh.map((r) => [r.namespace.id, r]));
    const raw = discovery.namespaces.map((ns) => {
      const data = byId.get(ns.id) ?? this.cache.get(ns.id);
      // Processes and paths come from this discovery even when the links are reused.
      return data ? { ...data, namespace: ns } : { namespace: ns, ip: null, nat: [], errors: [] };
    });
    // Nothing read differs from last time: the same snapshot, so nothing downstream is built or drawn again.
    const unchanged =
      this.last !== null &&
      raw.length === this.cache.size &&
      raw.every((r) => sameRaw(this.cache.get(r.namespace.id), r));
    this.cache.clear();
    for (const r of raw) this.cache.set(r.namespace.id, r);
    if (unchanged) return this.last!;
    this.last = buildSnapshot(discovery, raw, new Date().toISOString(), this.rules);
    return this.last;
  }

  /**
   * Many /run/netns namespaces go through `ip -all netns exec` (batchedCollect.ts); the rest, and whatever that could
   * not vouch for, one by one.
   */
  private async readNamespaces(discovery: Discovery, read: DiscoveredNamespace[]): Promise<RawNamespaceData[]> {
    const one = (ns: DiscoveredNamespace): Promise<RawNamespaceData> => collectNamespace(this.runner, ns, this.options);
    const limit = this.options.concurrency ?? DEFAULT_CONCURRENCY;
    const env = this.options.batchEnvironment ?? LIVE_ENVIRONMENT;
    const batch = this.options.skipNat || this.options.batch === false ? [] : batchableNamespaces(discovery, read, env);
    const inBatch = new Set(batch);
    const [batched, others] = await Promise.all([
      collectBatched(this.runner, discovery, batch, env),
      mapLimit(
        read.filter((ns) => !inBatch.has(ns)),
        limit,
        one,
      ),
    ]);
    // The batch read every namespace's chains; the few with native tables have them listed here, one by one.
    const chains = batched.nftChains;
    const listed =
      chains === undefined
        ? batched.read
        : await mapLimit(batched.read, limit, async (data) => {
            await collectNft(this.runner, data.namespace, data, chains.get(data.namespace.id));
            return data;
          });
    const retried = await mapLimit(batched.rest, limit, one);
    return [...listed, ...others, ...retried];
  }
}

/** An error of reading rules (kept with the rules a links-only read reuses). */
const isRuleError = (e: SnapshotError) => /\b(ip6?tables|nft)\b/.test(e.command);

/** The same namespace read the same: its processes, links, rule dumps and errors. */
function sameRaw(a: RawNamespaceData | undefined, b: RawNamespaceData): boolean {
  if (!a) return false;
  const ns = (n: DiscoveredNamespace) => JSON.stringify(n);
  return (
    ns(a.namespace) === ns(b.namespace) &&
    a.ip?.text === b.ip?.text &&
    a.nat.length === b.nat.length &&
    a.nat.every((d, i) => d.source === b.nat[i]!.source && d.text === b.nat[i]!.text) &&
    JSON.stringify(a.errors) === JSON.stringify(b.errors)
  );
}
