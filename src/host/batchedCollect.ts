// Reads many /run/netns namespaces with three processes instead of three per namespace.
//
// Each spawn from the Node process blocks its thread for the fork and exec (about 2 ms on the
// benchmark machine, more from a large extension host), so at 200 namespaces the spawns, not the
// kernel's dumps, were the cost. `ip -all netns exec CMD` forks CMD from the small `ip` process
// for every named namespace in turn; the three dumps (links, IPv4 rules, IPv6 rules) run as three
// such processes side by side, which keeps both cores busy. Anything that can't be attributed to
// one namespace with certainty falls back to the per-namespace reads in collect.ts.
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitAllNetnsOutput } from '../core/allNetns';
import { IP_BATCH_COMMANDS } from '../core/ip/parse';
import { NFT_CHAINS_ARGV } from '../core/nft/parse';
import type { DiscoveredNamespace, Discovery, Family, RawNamespaceData } from '../core/model';
import { formatArgv, type CommandResult, type Runner } from './runner';

/** Below this many namespaces the per-namespace reads are as quick and report errors more precisely. */
export const MIN_BATCH = 16;

const RUN_NETNS = '/run/netns/';
const BATCH_FILE = 'ip-batch';

/** The batch file's path differs every run; recordings match it by this pattern (recording.ts). */
export const BATCH_FILE_PATTERN = /\/netns-explorer-[^/]+\/ip-batch$/;

/** What the batch needs of a namespace: a discovery's, or a snapshot's. */
type Batchable = Pick<DiscoveredNamespace, 'id' | 'kind' | 'name' | 'paths'>;

function named(ns: Batchable): string | null {
  if (ns.kind !== 'named' || ns.name === null || ns.name.includes('\n')) return null;
  return ns.paths.includes(`${RUN_NETNS}${ns.name}`) ? ns.name : null;
}

/**
 * The namespaces worth reading with `ip -all netns exec`: it visits every /run/netns name, so it
 * pays only when most of them are wanted, and a name with a newline would blur its headers.
 */
/**
 * What the batch needs to know about the machine besides the discovery: whether it runs as root,
 * and the /run/netns entries. A replay supplies the recorded ones (recording.ts).
 */
export interface BatchEnvironment {
  root: boolean;
  /** The names in /run/netns now; null when it can't be read. */
  runNetnsEntries(): string[] | null;
}

/**
 * Able to enter any namespace: uid 0 is not enough (a root process in a container, or a service
 * with capabilities dropped, fails every switch and would set off the walker bug below). Entering
 * needs CAP_SYS_ADMIN (bit 21 of CapEff) in the initial user namespace (inode 0xEFFFFFFD).
 */
function canEnterNamespaces(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    const sysAdmin = capEff !== undefined && (BigInt(`0x${capEff}`) & (1n << 21n)) !== 0n;
    return sysAdmin && readlinkSync('/proc/self/ns/user') === 'user:[4026531837]';
  } catch {
    return false;
  }
}

export const LIVE_ENVIRONMENT: BatchEnvironment = {
  root: canEnterNamespaces(),
  runNetnsEntries: () => {
    try {
      return readdirSync(RUN_NETNS);
    } catch {
      return null;
    }
  },
};

export function batchableNamespaces<T extends Batchable>(
  discovery: Listed,
  wanted: readonly T[],
  env: BatchEnvironment = LIVE_ENVIRONMENT,
  min = MIN_BATCH,
): T[] {
  if (!safeForAllNetns(discovery, env)) return [];
  const all = discovery.namespaces.filter((ns) => ns.kind === 'named');
  const batch = wanted.filter((ns) => named(ns) !== null);
  return batch.length >= min && batch.length * 2 >= all.length ? batch : [];
}

/**
 * `ip -all netns exec` in iproute2 6.1 (Debian 12; fixed upstream later) has a bug: when a child
 * cannot switch into a namespace, it goes on with the loop itself instead of exiting, so each failure doubles the
 * number of `ip`
 * processes walking the rest of /run/netns (as a user without root every switch fails, and the
 * processes grow until the machine is full). So it is used only as root, and only when every
 * /run/netns entry is a live namespace discovery saw a moment ago: no stale file, no name with a
 * newline. A namespace deleted in the instant between the two can still cost one doubling.
 */
function safeForAllNetns(discovery: Listed, env: BatchEnvironment): boolean {
  if (!env.root) return false;
  const live = discoveredNames(discovery);
  const entries = env.runNetnsEntries();
  return entries !== null && entries.every((name) => live.has(name) && !name.includes('\n'));
}

/** The /run/netns names discovery found live. */
export function discoveredNames(discovery: Listed): Set<string> {
  const names = new Set<string>();
  for (const ns of discovery.namespaces)
    for (const p of ns.paths) if (p.startsWith(RUN_NETNS)) names.add(p.slice(RUN_NETNS.length));
  return names;
}

/**
 * The only headers `ip -all netns exec` may print: every /run/netns name discovery saw, and every
 * one there now (a container started meanwhile). A forged header must then repeat a real one.
 */
function knownNames(discovery: Listed, env: BatchEnvironment): Set<string> {
  const names = discoveredNames(discovery);
  for (const name of env.runNetnsEntries() ?? []) names.add(name);
  return names;
}

/** What the batch needs of a discovery (or a snapshot): the namespaces, with kinds and paths. */
type Listed = { namespaces: readonly Batchable[] };

/**
 * Runs each argv once for every namespace of `batch` with `ip -all netns exec`, side by side: per namespace id, each
 * command's output in order. Null when any output cannot be vouched for (stderr, a forged or missing header): the
 * caller then reads one namespace at a time.
 */
export async function readAllNetns(
  runner: Runner,
  discovery: Listed,
  batch: readonly Batchable[],
  argvs: readonly (readonly string[])[],
  env: BatchEnvironment = LIVE_ENVIRONMENT,
): Promise<Map<string, string[]> | null> {
  const results = await Promise.all(argvs.map((argv) => runner.run(['ip', '-all', 'netns', 'exec', ...argv])));
  if (!results.every(usable)) return null;
  const known = knownNames(discovery, env);
  const splits = results.map((r) => splitAllNetnsOutput(r.stdout, known));
  const out = new Map<string, string[]>();
  for (const ns of batch) {
    const name = named(ns) as string;
    const texts = splits.map((split) => (split.ok ? split.sections.get(name) : undefined));
    if (texts.some((t) => t === undefined)) return null;
    out.set(ns.id, texts as string[]);
  }
  return out;
}

function usable(result: CommandResult): boolean {
  // Any stderr (a failed switch, the legacy-tables warning, a tool's error) can't be pinned on
  // one namespace: the per-namespace reads will say exactly where it came from.
  return result.failure === null && result.stderr.trim() === '';
}

export interface BatchedRead {
  /** Namespaces fully read by the batch (their native nft tables still to list: `nftChains`). */
  read: RawNamespaceData[];
  /** Namespaces the batch could not vouch for; read them one by one. */
  rest: DiscoveredNamespace[];
  /**
   * `nft -j list chains` of each namespace read, by id, for the caller to list the native tables it names (most hosts
   * have none); absent when nft is not installed.
   */
  nftChains?: Map<string, { text: string; command: string }>;
}

export async function collectBatched(
  runner: Runner,
  discovery: Discovery,
  batch: readonly DiscoveredNamespace[],
  env: BatchEnvironment = LIVE_ENVIRONMENT,
): Promise<BatchedRead> {
  if (batch.length === 0) return { read: [], rest: [] };
  let dir: string;
  try {
    dir = mkdtempSync(join(tmpdir(), 'netns-explorer-'));
  } catch {
    return { read: [], rest: [...batch] }; // no temporary folder (full disk, read-only /tmp): read one by one
  }
  try {
    const commandsFile = join(dir, BATCH_FILE);
    try {
      writeFileSync(commandsFile, `${IP_BATCH_COMMANDS.join('\n')}\n`, { mode: 0o600 });
    } catch {
      return { read: [], rest: [...batch] };
    }
    // The configured time limit, like any command: a hung dump in one namespace must not hold the whole view longer
    // than that (a batch cut off is read again one namespace at a time). Reading 200 namespaces takes about 1 s.
    const all = (argv: string[]): Promise<CommandResult> => runner.run(['ip', '-all', 'netns', 'exec', ...argv]);
    const [ip, v4, v6, nft] = await Promise.all([
      all(['ip', '-j', '-d', '-batch', commandsFile]),
      all(['iptables-save', '-c']),
      all(['ip6tables-save', '-c']),
      all([...NFT_CHAINS_ARGV]),
    ]);
    if (![ip, v4, v6].every(usable)) return { read: [], rest: [...batch] };
    // No nft on the host: no native rules to read (as collectNamespace decides); anything else wrong: one by one.
    const nftMissing = nft.failure?.reason === 'missing';
    if (!nftMissing && !usable(nft)) return { read: [], rest: [...batch] };
    const known = knownNames(discovery, env);
    const splits = [ip, v4, v6].map((r) => splitAllNetnsOutput(r.stdout, known));
    const [ipSplit, v4Split, v6Split] = splits;
    if (!ipSplit?.ok || !v4Split?.ok || !v6Split?.ok) return { read: [], rest: [...batch] };
    const nftSplit = nftMissing ? null : splitAllNetnsOutput(nft.stdout, known);
    if (nftSplit !== null && !nftSplit.ok) return { read: [], rest: [...batch] };
    const read: RawNamespaceData[] = [];
    const rest: DiscoveredNamespace[] = [];
    const nftChains = new Map<string, { text: string; command: string }>();
    const nat = (family: Family, result: CommandResult, text: string): RawNamespaceData['nat'][number] => ({
      family,
      source: family === 'ipv4' ? 'iptables-save' : 'ip6tables-save',
      command: formatArgv(result.argv),
      text,
    });
    for (const ns of batch) {
      const name = named(ns) as string;
      const links = ipSplit.sections.get(name);
      const rules4 = v4Split.sections.get(name);
      const rules6 = v6Split.sections.get(name);
      const chains = nftSplit?.sections.get(name);
      // ip always prints its arrays, nft its metainfo; an empty section means that namespace was not reached.
      if (
        links === undefined ||
        links.trim() === '' ||
        rules4 === undefined ||
        rules6 === undefined ||
        (nftSplit !== null && (chains === undefined || chains.trim() === ''))
      ) {
        rest.push(ns);
        continue;
      }
      read.push({
        namespace: ns,
        ip: { command: formatArgv(ip.argv), text: links },
        // The same order as collectNamespace's: by source.
        nat: [nat('ipv6', v6, rules6), nat('ipv4', v4, rules4)],
        errors: [],
      });
      if (chains !== undefined) nftChains.set(ns.id, { text: chains, command: formatArgv(nft.argv) });
    }
    return nftMissing ? { read, rest } : { read, rest, nftChains };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
