// The contract of an iptables match module or target, and where each is found: one file per module under
// matches/ (named like `-m NAME`) and one per target under targets/ (named like `-j NAME`). Each file holds both
// the module's reading (explanations) and its evaluation (the trace); unknown names fall back to a generic handler.
import type { ExplainContext, Reading } from '../explain/words';
import type { ChainEnd, TargetCall } from '../trace/chains';
import type { MatchEnv } from '../trace/match';
import type { Packet } from '../trace/packet';
import type { MatchGroup, Rule, RuleOption } from './types';

/**
 * An option evaluated against the trace's packet: true or false, or an assumption with its reason. `final`: the
 * assumed value already includes the option's negation (the whole option is assumed).
 */
export type OptionResult = boolean | { assumed: boolean; why: string; final?: boolean };

export interface MatchModule {
  /** Puts the group's options into words on `reading` (explanations, hovers, chain paths). */
  read(group: MatchGroup, reading: Reading): void;
  /**
   * One option against the packet. Absent, or undefined for an option it does not know: the option cannot be
   * evaluated, and the rule is assumed not to match (said in the trace).
   */
  evaluate?(option: RuleOption, packet: Packet, env: MatchEnv, module: string): OptionResult | undefined;
  /**
   * Why `option` did not match the packet, in words ("destination 127.0.0.1 is in 127.0.0.0/8"), for the trace's
   * skipped rules. Absent or undefined: a generic sentence naming the option.
   */
  miss?(option: RuleOption, packet: Packet, env: MatchEnv, module: string): string | undefined;
  /** For matches decided by chance (statistic): the probability the group matches; the trace branches on it. */
  branch?(group: MatchGroup): { probability: number; text: string };
}

export interface TargetModule {
  /** The verb phrase of the explanation: "is accepted", "is rewritten to 172.17.0.2:6379 (container redis)". */
  describe(rule: Rule, ctx: ExplainContext): string;
  /**
   * What the target does to the traced packet: a verdict or a return ends the chain, null goes on with the next
   * rule. Absent: the target is not modelled, and the trace goes on with an uncertain note.
   */
  apply?(call: TargetCall): ChainEnd | null;
}

/** Module and target names as iptables prints them; anything else (a path, say) is never looked up. */
const MODULE_NAME = /^[A-Za-z0-9_]+$/;

const matches = new Map<string, MatchModule | null>();
const targets = new Map<string, TargetModule | null>();

/*
 * Looked up by file name, so a new module is one new file: esbuild bundles every file of the folder into a map
 * keyed by path (a closed set: no other file can be reached), and a name without a file is simply absent.
 */
function load<T>(cache: Map<string, T | null>, name: string, get: (name: string) => { default: T }): T | null {
  const known = cache.get(name);
  if (known !== undefined) return known;
  let found: T | null = null;
  if (MODULE_NAME.test(name)) {
    try {
      found = get(name).default;
    } catch {
      found = null;
    }
  }
  cache.set(name, found);
  return found;
}

/** The match module `-m name`, or null when no file describes it. */
export function matchModule(name: string): MatchModule | null {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return load(matches, name, (n) => require(`./matches/${n}.ts`));
}

/** The target `-j NAME`, or null when no file describes it (a user chain, or a target we do not model). */
export function targetModule(name: string): TargetModule | null {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return load(targets, name, (n) => require(`./targets/${n}.ts`));
}
