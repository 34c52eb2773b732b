// Parses `iptables-save` output into tables, chains and rules, keeping every token so rules print back exactly.
import type {
  Chain,
  Counters,
  IptablesDump,
  MatchGroup,
  ParseDiagnostic,
  Rule,
  RuleOption,
  RuleTarget,
  Table,
} from './types';

const SPACE = 32;
const QUOTE = 34;
const BACKSLASH = 92;
const DASH = 45;
const BANG = 33;

/** Options that need no `-m`; one met after a module's options starts a new module-less group. */
const BUILTIN_OPTIONS = new Set([
  '-s',
  '-d',
  '-p',
  '-i',
  '-o',
  '-f',
  '--source',
  '--destination',
  '--protocol',
  '--in-interface',
  '--out-interface',
  '--fragment',
]);

/**
 * Options that always take exactly one argument, which may itself begin with `-` or be `!`:
 * iptables-save prints interface names raw (`-i -x`) and leaves strings like `-x` unquoted.
 */
const SINGLE_ARG_OPTIONS = new Set([
  '-s',
  '-d',
  '-p',
  '-i',
  '-o',
  '--source',
  '--destination',
  '--protocol',
  '--in-interface',
  '--out-interface',
  '--comment',
  '--log-prefix',
  '--nflog-prefix',
  '--ulog-prefix',
  '--string',
  '--hex-string',
  '--name',
  '--hashlimit-name',
  '--rateest-name',
  '--physdev-in',
  '--physdev-out',
  '--helper',
  '--label',
  '--path',
  '--selctx',
]);

/** Shared by every target without options (most `-j CHAIN` jumps); like the whole result, read-only. */
const NO_OPTIONS: RuleOption[] = [];

/** Counters are shared by text only while there are few distinct ones (busy rules all differ). */
const MAX_SHARED_COUNTERS = 4096;

/** A comment holds at most 256 bytes, so a quoted string cannot run on over more lines than that. */
const MAX_CONTINUATION_LINES = 256;

interface Tokens {
  /** Tokens exactly as written, quotes and escapes included. */
  raw: string[];
  /** The same tokens decoded; the very same array as `raw` when the line has no quotes. */
  decoded: string[];
}

/** Why a rule line was rejected; `unterminated` lets the caller try the next line as continuation. */
interface RuleError {
  message: string;
  unterminated: boolean;
}

interface OpenTable {
  table: Table;
  chains: Map<string, Chain>;
  line: number;
}

/**
 * Reads `iptables-save` (or `ip6tables-save`, `-c` or not) output. Never throws: a line that
 * cannot be read becomes a diagnostic and is skipped, and the rest of the dump is still returned.
 * An option's `args` and `rawArgs` are one shared array when no argument is quoted: treat the
 * result as read-only and build new options to change a rule.
 */
export function parseIptablesSave(text: string): IptablesDump {
  const tables: Table[] = [];
  const diagnostics: ParseDiagnostic[] = [];
  const tableLines = new Map<string, number>();
  const context: ParseContext = { names: new Map(), counters: new Map(), options: [], groups: [] };
  const lines = text.split('\n');
  const lineCount = lines.length > 1 && lines[lines.length - 1] === '' ? lines.length - 1 : lines.length;
  let open: OpenTable | null = null;
  // A repeated or unnamed `*table` is reported once and its lines are skipped up to its COMMIT.
  let skippingTable = false;

  for (let i = 0; i < lineCount; i++) {
    const line = lines[i];
    const lineNo = i + 1;
    const first = line.charCodeAt(0);
    if (line.length === 0 || first === 35 /* # */) continue;

    if (skippingTable) {
      if (line === 'COMMIT') skippingTable = false;
      continue;
    }

    if (first === DASH || first === 91 /* [ */) {
      if (open === null) {
        diagnostics.push({ line: lineNo, message: `rule outside a table: ${whereOutside(tables)}` });
        continue;
      }
      let result = parseRuleLine(line, open.table.name, lineNo, context);
      if (isRuleError(result) && result.unterminated) {
        // iptables-save prints a newline inside a quoted string as is, so the rule goes on below.
        let joined = line;
        for (let j = i + 1; j < lineCount && j - i <= MAX_CONTINUATION_LINES && !startsDumpLine(lines[j]); j++) {
          joined += '\n' + lines[j];
          const retry = parseRuleLine(joined, open.table.name, lineNo, context);
          if (!isRuleError(retry)) {
            result = retry;
            i = j;
            break;
          }
          if (!retry.unterminated) break;
        }
      }
      if (isRuleError(result)) {
        diagnostics.push({ line: lineNo, message: result.message });
        continue;
      }
      const chain = open.chains.get(result.chain);
      if (chain === undefined) {
        diagnostics.push({
          line: lineNo,
          message: `rule for chain ${result.chain}, which is not declared in table ${open.table.name}`,
        });
        continue;
      }
      result.chain = chain.name;
      result.index = chain.rules.length;
      chain.rules.push(result);
      continue;
    }

    if (first === 58 /* : */) {
      if (open === null) {
        diagnostics.push({ line: lineNo, message: `chain declaration outside a table: ${whereOutside(tables)}` });
        continue;
      }
      const chain = parseChainHeader(line);
      if (typeof chain === 'string') {
        diagnostics.push({ line: lineNo, message: chain });
      } else if (open.chains.has(chain.name)) {
        diagnostics.push({
          line: lineNo,
          message: `chain ${chain.name} is declared twice in table ${open.table.name}`,
        });
      } else {
        open.chains.set(chain.name, chain);
        open.table.chains.push(chain);
      }
      continue;
    }

    if (first === 42 /* * */) {
      if (open !== null) {
        diagnostics.push({
          line: lineNo,
          message: `table ${open.table.name} (line ${open.line}) has no COMMIT before the next table`,
        });
        open = null;
      }
      const name = line.slice(1);
      if (name.length === 0 || name.includes(' ')) {
        diagnostics.push({
          line: lineNo,
          message: `bad table line ${excerpt(line)}: expected *NAME; its lines are skipped`,
        });
        skippingTable = true;
        continue;
      }
      const earlier = tableLines.get(name);
      if (earlier !== undefined) {
        diagnostics.push({
          line: lineNo,
          message: `table ${name} appears twice (first at line ${earlier}); this copy is skipped`,
        });
        skippingTable = true;
        continue;
      }
      const table: Table = { name, chains: [] };
      tables.push(table);
      tableLines.set(name, lineNo);
      open = { table, chains: new Map(), line: lineNo };
      continue;
    }

    if (line === 'COMMIT') {
      if (open === null) diagnostics.push({ line: lineNo, message: 'COMMIT outside a table' });
      open = null;
      continue;
    }

    diagnostics.push({ line: lineNo, message: `unrecognised line ${excerpt(line)}` });
  }

  if (open !== null) {
    diagnostics.push({
      line: Math.max(lineCount, 1),
      message: `table ${open.table.name} (line ${open.line}) has no COMMIT: the dump ends early`,
    });
  }
  return { tables, diagnostics };
}

function whereOutside(tables: Table[]): string {
  return tables.length === 0 ? 'it comes before any *table line' : 'it comes after COMMIT, before the next *table line';
}

function isRuleError(value: Rule | RuleError): value is RuleError {
  return 'message' in value;
}

/** Lines a quoted string's continuation never starts with: anything iptables-save itself begins a line with. */
function startsDumpLine(line: string): boolean {
  const first = line.charCodeAt(0);
  return first === 91 || first === 58 || first === 42 || first === 35 || line.startsWith('-A ') || line === 'COMMIT';
}

function excerpt(line: string): string {
  return JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}…` : line);
}

function parseChainHeader(line: string): Chain | string {
  const parts = line.slice(1).split(' ');
  if (parts.length < 2 || parts.length > 3 || parts[0] === '' || parts[1] === '') {
    return `bad chain line ${excerpt(line)}: expected :CHAIN POLICY [packets:bytes]`;
  }
  let counters: Counters | null = null;
  if (parts.length === 3) {
    counters = parseCounters(parts[2]);
    if (counters === null) return `bad counters ${excerpt(parts[2])} for chain ${parts[0]}: expected [packets:bytes]`;
  }
  const policy = parts[1] === '-' ? null : parts[1];
  return { name: parts[0], policy, builtin: policy !== null, counters, rules: [] };
}

/** `[12:720]` -> counters; null unless both are decimal numbers. */
function parseCounters(token: string): Counters | null {
  const colon = token.indexOf(':');
  if (token.charCodeAt(0) !== 91 || token.charCodeAt(token.length - 1) !== 93 || colon === -1) return null;
  const packets = token.slice(1, colon);
  const bytes = token.slice(colon + 1, token.length - 1);
  return isDecimal(packets) && isDecimal(bytes) ? { packets, bytes } : null;
}

function isDecimal(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * Per-parse state shared by all rules: interned names, and scratch arrays that are copied out at
 * their exact length (arrays grown by push keep room for 17 items: most of a big dump's memory).
 */
interface ParseContext {
  names: Map<string, string>;
  /** One Counters object per distinct `[p:b]` text: a big dump's counters are mostly `[0:0]`. */
  counters: Map<string, Counters>;
  options: RuleOption[];
  groups: MatchGroup[];
}

/** One copy of each name (options, modules, targets) instead of one per rule. */
function intern(names: Map<string, string>, name: string): string {
  const known = names.get(name);
  if (known !== undefined) return known;
  names.set(name, name);
  return name;
}

function anyQuoted(tokens: string[]): boolean {
  for (const token of tokens) {
    if (token.charCodeAt(0) === QUOTE) return true;
  }
  return false;
}

/** Moves the scratch options into a new group. */
function closeGroup(context: ParseContext, module: string | null): void {
  context.groups.push({ module, options: context.options.slice() });
  context.options.length = 0;
}

function parseRuleLine(text: string, table: string, line: number, context: ParseContext): Rule | RuleError {
  const tokens = tokenize(text);
  if (!('raw' in tokens)) return tokens;
  const { raw, decoded } = tokens;
  let at = 0;
  let counters: Counters | null = null;
  if (raw[0].charCodeAt(0) === 91) {
    counters = context.counters.get(raw[0]) ?? null;
    if (counters === null) {
      counters = parseCounters(raw[0]);
      if (counters === null) return fail(`bad counters ${excerpt(raw[0])}: expected [packets:bytes]`);
      if (context.counters.size < MAX_SHARED_COUNTERS) context.counters.set(raw[0], counters);
    }
    at = 1;
  }
  if (raw[at] !== '-A') {
    const command = raw[at] ?? '(nothing)';
    return fail(`unsupported command ${excerpt(command)}: iptables-save writes rules as -A CHAIN ...`);
  }
  if (at + 1 >= raw.length) return fail('-A without a chain name');
  // Chain, module and target names are printed raw by iptables-save, never quoted.
  const chain = raw[at + 1];
  at += 2;

  const { names, options, groups } = context;
  options.length = 0;
  groups.length = 0;
  // The open match group: `grouping` says whether one is open, `module` is its module.
  let grouping = false;
  let module: string | null = null;
  let targetKind: RuleTarget['kind'] | null = null;
  let targetName = '';
  let comment: string | null = null;
  let negated = false;
  const count = raw.length;

  while (at < count) {
    const token = raw[at];
    if (token === '!') {
      const next = raw[at + 1];
      if (negated || next === undefined || !isOptionToken(next) || next === '-m' || next === '-j' || next === '-g') {
        return fail(
          `"!" must be followed by an option, found ${next === undefined ? 'the end of the line' : excerpt(next)}`,
        );
      }
      negated = true;
      at++;
      continue;
    }
    if (!isOptionToken(token)) return fail(`argument ${excerpt(token)} does not follow an option`);

    if (targetKind === null && (token === '-m' || token === '-j' || token === '-g')) {
      if (at + 1 >= count) return fail(`${token} without a name`);
      if (grouping) closeGroup(context, module);
      const name = intern(names, raw[at + 1]);
      if (token === '-m') {
        grouping = true;
        module = name;
      } else {
        grouping = false;
        targetKind = token === '-j' ? 'jump' : 'goto';
        targetName = name;
      }
      at += 2;
      continue;
    }

    if (targetKind === null && (!grouping || (module !== null && BUILTIN_OPTIONS.has(token)))) {
      if (grouping) closeGroup(context, module);
      grouping = true;
      module = null;
    }

    const start = at + 1;
    let end = start;
    if (SINGLE_ARG_OPTIONS.has(token)) {
      if (end < count) end++;
    } else {
      while (end < count && !isArgumentEnd(raw[end])) end++;
    }
    const rawArgs = end === start + 1 ? [raw[start]] : raw.slice(start, end);
    // Unquoted arguments decode to themselves: sharing the array saves much memory on big dumps.
    const args = decoded === raw || !anyQuoted(rawArgs) ? rawArgs : decoded.slice(start, end);
    options.push({ name: intern(names, token), negated, args, rawArgs });
    if (comment === null && grouping && module === 'comment' && token === '--comment' && end > start) {
      comment = decoded[start];
    }
    negated = false;
    at = end;
  }

  if (grouping) closeGroup(context, module);
  const matches = groups.length === 0 ? [] : groups.slice();
  const target: RuleTarget | null =
    targetKind === null
      ? null
      : { kind: targetKind, name: targetName, options: options.length === 0 ? NO_OPTIONS : options.slice() };
  return { table, chain, index: 0, line, counters, matches, target, comment, text };
}

function fail(message: string): RuleError {
  return { message, unterminated: false };
}

function isOptionToken(token: string): boolean {
  return token.length > 1 && token.charCodeAt(0) === DASH;
}

function isArgumentEnd(token: string): boolean {
  const first = token.charCodeAt(0);
  return first === DASH || (first === BANG && token.length === 1);
}

/**
 * Splits on single spaces. A token that starts with `"` runs to the closing quote and may hold
 * spaces; inside it `\x` stands for `x` (iptables escapes `"`, `\` and `'`). A `"` later in a token
 * is literal: iptables-save prints interface names raw.
 */
function tokenize(text: string): Tokens | RuleError {
  if (text.indexOf('"') === -1) {
    let raw = text.split(' ');
    if (raw.includes('')) raw = raw.filter((token) => token !== '');
    return raw.length === 0 ? fail('empty rule') : { raw, decoded: raw };
  }
  const raw: string[] = [];
  const decoded: string[] = [];
  const end = text.length;
  let pos = 0;
  while (pos < end) {
    if (text.charCodeAt(pos) === SPACE) {
      pos++;
      continue;
    }
    if (text.charCodeAt(pos) !== QUOTE) {
      let stop = text.indexOf(' ', pos);
      if (stop === -1) stop = end;
      const word = text.slice(pos, stop);
      raw.push(word);
      decoded.push(word);
      pos = stop;
      continue;
    }
    let value = '';
    let chunk = pos + 1;
    let at = pos + 1;
    let closed = false;
    while (at < end) {
      const c = text.charCodeAt(at);
      if (c === QUOTE) {
        closed = true;
        break;
      }
      if (c === BACKSLASH) {
        if (at + 1 >= end) break;
        value += text.slice(chunk, at) + text[at + 1];
        at += 2;
        chunk = at;
        continue;
      }
      at++;
    }
    if (!closed) return { message: `unterminated quoted string starting at column ${pos + 1}`, unterminated: true };
    value += text.slice(chunk, at);
    at++;
    if (at < end && text.charCodeAt(at) !== SPACE) {
      return fail(`text right after the closing quote at column ${at + 1}`);
    }
    raw.push(text.slice(pos, at));
    decoded.push(value);
    pos = at;
  }
  return raw.length === 0 ? fail('empty rule') : { raw, decoded };
}
