// Structured, lossless form of `iptables-save` output: tables -> chains -> rules -> matches.

/** One `[packets:bytes]` pair. Kept as decimal strings: counters exceed 2^53 on busy hosts. */
export interface Counters {
  packets: string;
  bytes: string;
}

/**
 * One option with its arguments, e.g. `! -i docker0` or `--to-destination 172.17.0.2:6379`.
 * `args` are decoded (quotes and backslash escapes removed); `rawArgs` are the tokens exactly as
 * printed, so a rule can be printed back byte for byte.
 */
export interface RuleOption {
  /** The option as written: `-i`, `--dport`, `--to-destination`. */
  name: string;
  negated: boolean;
  args: readonly string[];
  rawArgs: readonly string[];
}

/**
 * A group of options. `module` is the `-m` module name (`tcp`, `addrtype`, `comment`), or null
 * for the built-in options (`-s -d -p -i -o -f`) that need no module.
 */
export interface MatchGroup {
  module: string | null;
  options: RuleOption[];
}

export interface RuleTarget {
  /** `-j` jumps (and returns), `-g` goes to without returning. */
  kind: 'jump' | 'goto';
  name: string;
  options: RuleOption[];
}

export interface Rule {
  table: string;
  chain: string;
  /** 0-based position in its chain. */
  index: number;
  /** 1-based line number in the dump it came from. */
  line: number;
  counters: Counters | null;
  matches: MatchGroup[];
  target: RuleTarget | null;
  /** Decoded text of the first `-m comment --comment`, if any. */
  comment: string | null;
  /** The line exactly as read. */
  text: string;
}

export interface Chain {
  name: string;
  /** ACCEPT/DROP for built-in chains; null for user chains (written `-` by iptables-save). */
  policy: string | null;
  builtin: boolean;
  counters: Counters | null;
  rules: Rule[];
}

export interface Table {
  name: string;
  chains: Chain[];
}

export interface ParseDiagnostic {
  /** 1-based line number in the input. */
  line: number;
  message: string;
}

export interface IptablesDump {
  tables: Table[];
  /** Lines that could not be parsed; the rest of the dump is still returned. */
  diagnostics: ParseDiagnostic[];
}
