// Prints parsed iptables structures back in `iptables-save` / `iptables-restore` syntax.
import type { Chain, Counters, IptablesDump, Rule, RuleOption } from './types';

const UNQUOTED = /^[A-Za-z0-9_-]+$/;
const ESCAPED = /["\\']/g;

/**
 * Encodes a string argument the way iptables-save does (xtables_save_string): bare when it is
 * only letters, digits, `_` and `-` (so `-x` stays bare), otherwise double-quoted with `"`, `\`
 * and `'` backslash-escaped; the empty string is `""`. Addresses, ports and interface names are
 * printed raw by iptables-save, so use this for free text such as comments and log prefixes.
 */
export function quoteArg(value: string): string {
  return UNQUOTED.test(value) ? value : `"${value.replace(ESCAPED, '\\$&')}"`;
}

/**
 * Rebuilds a rule line from its parts (not from `rule.text`), so edited rules print correctly.
 * Arguments are printed from `rawArgs`: code that builds an option fills them (quoteArg for text).
 */
export function printRule(rule: Rule): string {
  let line = rule.counters === null ? `-A ${rule.chain}` : `${printCounters(rule.counters)} -A ${rule.chain}`;
  for (const group of rule.matches) {
    if (group.module !== null) line += ` -m ${group.module}`;
    line += printOptions(group.options);
  }
  const target = rule.target;
  if (target !== null) {
    line += `${target.kind === 'jump' ? ' -j ' : ' -g '}${target.name}${printOptions(target.options)}`;
  }
  return line;
}

/** `:DOCKER - [0:0]`; user chains have no policy and print `-`. */
export function printChainHeader(chain: Chain): string {
  const header = `:${chain.name} ${chain.policy ?? '-'}`;
  return chain.counters === null ? header : `${header} ${printCounters(chain.counters)}`;
}

/** A complete `iptables-restore` input: per table its chain headers, its rules chain by chain, COMMIT. */
export function printDump(dump: IptablesDump): string {
  const text = new LineJoiner();
  for (const table of dump.tables) {
    text.add(`*${table.name}`);
    for (const chain of table.chains) text.add(printChainHeader(chain));
    for (const chain of table.chains) {
      for (const rule of chain.rules) text.add(printRule(rule));
    }
    text.add('COMMIT');
  }
  return text.finish();
}

/**
 * Joins lines a few thousand at a time: a million unjoined rule strings would survive to the old
 * generation, and joining in chunks halves the time printDump takes on such dumps.
 */
class LineJoiner {
  private readonly chunks: string[] = [];
  private lines: string[] = [];

  add(line: string): void {
    this.lines.push(line);
    if (this.lines.length === 4096) {
      this.chunks.push(`${this.lines.join('\n')}\n`);
      this.lines = [];
    }
  }

  finish(): string {
    if (this.lines.length > 0) this.chunks.push(`${this.lines.join('\n')}\n`);
    return this.chunks.join('');
  }
}

function printCounters(counters: Counters): string {
  return `[${counters.packets}:${counters.bytes}]`;
}

function printOptions(options: RuleOption[]): string {
  let text = '';
  for (const option of options) {
    text += option.negated ? ` ! ${option.name}` : ` ${option.name}`;
    for (const arg of option.rawArgs) text += ` ${arg}`;
  }
  return text;
}

/** A rule line as `iptables-save -c` prints it, without its leading `[packets:bytes]`. */
export function withoutCounters(text: string): string {
  return text.replace(/^\[\d+:\d+\] /, '');
}
