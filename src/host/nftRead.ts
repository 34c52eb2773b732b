// Reads a namespace's native nftables tables in two cheap steps: `nft -j list chains` (no rules, milliseconds even on a
// node with 100,000 iptables-nft rules) tells the native tables from iptables-nft's, then each native table is listed
// in full. iptables-nft's own tables, which iptables-save already reads, are never dumped a second time.
import { formatArgv, type CommandResult, type Runner } from './runner';
import { mergeNftJson, nativeTablesOf, NFT_CHAINS_ARGV, nftTableArgv } from '../core/nft/parse';

export type NftRead =
  /** No `nft` here: native rules can be neither read nor written. */
  | { kind: 'missing' }
  | { kind: 'failed'; result: CommandResult }
  /** `nft -j list chains` printed something that is not its JSON. */
  | { kind: 'unreadable'; command: string }
  /** The native tables as one `list ruleset`-shaped document (empty text when there are none). */
  | { kind: 'ok'; text: string; command: string };

/**
 * `enter` is the argv prefix that runs a command in the namespace; `chains` is `list chains` output already read (the
 * batched read's), else it is run here.
 */
export async function readNative(
  runner: Runner,
  enter: readonly string[],
  chains?: { text: string; command: string },
): Promise<NftRead> {
  let listed = chains;
  if (listed === undefined) {
    const r = await runner.run([...enter, ...NFT_CHAINS_ARGV]);
    if (r.failure?.reason === 'missing') return { kind: 'missing' };
    if (r.failure) return { kind: 'failed', result: r };
    listed = { text: r.stdout, command: formatArgv(r.argv) };
  }
  const tables = nativeTablesOf(listed.text);
  if (tables === null) return { kind: 'unreadable', command: listed.command };
  if (tables.length === 0) return { kind: 'ok', text: '', command: listed.command };
  const results = await Promise.all(tables.map((t) => runner.run([...enter, ...nftTableArgv(t.family, t.name)])));
  const failed = results.find((r) => r.failure !== null);
  if (failed) return { kind: 'failed', result: failed };
  return {
    kind: 'ok',
    text: mergeNftJson(results.map((r) => r.stdout)),
    command: [listed.command, ...results.map((r) => formatArgv(r.argv))].join('; '),
  };
}
