// What explanations are built from: the reading of a rule's matches, the context that names addresses, and the small
// word helpers every match module and target shares.
import type { MatchGroup, Rule, RuleOption } from '../iptables/types';
import { endpoint } from '../net/address';
import { parseToDestination } from '../portMappings';

export interface ExplainContext {
  /**
   * The label of the namespace owning an address (namespaceLabel: "redis", "host"), undefined
   * when unknown. Shown after the address as "(container redis)", or "(the host)".
   */
  addressOwner?: (ip: string) => string | undefined;
  /**
   * True when every jump into the rule's chain requires a local destination (`-m addrtype
   * --dst-type LOCAL`), as for Docker's nat chain DOCKER: a rule there without `-d` then only
   * sees "any local address". Get it from `ChainGraph.onlyForLocalDestination(rule.chain)`.
   */
  reachedOnlyForLocalDestination?: boolean;
  /**
   * The conditions of the jumps along one path to the rule's chain (`inheritedConditions()`).
   * Only a local-destination condition among them changes the sentence, as above; prefer
   * reachedOnlyForLocalDestination, which holds for every path, not just one.
   */
  inheritedConditions?: readonly string[];
}

/** An option's value and whether `!` came before it. */
export interface Negatable {
  text: string;
  negated: boolean;
}

/** What a rule says about one end of the packet. */
export interface Side {
  /** `-s` / `-d`: an address or CIDR. */
  address: Negatable | null;
  /** `-m addrtype --src-type/--dst-type`: `LOCAL`, `BROADCAST,MULTICAST`... */
  addressType: (Negatable & { incomingOnly: boolean; outgoingOnly: boolean }) | null;
  /** In iptables syntax: `80`, `30000:30010`, `53,67:68`. */
  ports: Negatable | null;
}

/** Everything read from a rule's matches, before it is put into words. */
export interface Reading {
  protocol: Negatable | null;
  source: Side;
  destination: Side;
  /** Conditions already in words, in rule order (interfaces, states, probabilities...). */
  clauses: string[];
  /** Matches and options we do not put into words, named so the reader knows they exist. */
  uninterpreted: string[];
  comments: string[];
}

export const CONTINUES = 'then continues with the next rule';

export const BUILTIN_CHAINS = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);

export function value(option: RuleOption, at = 0): string {
  return option.args[at] ?? '';
}

export function negatable(option: RuleOption, at = 0): Negatable {
  return { text: value(option, at), negated: option.negated };
}

/** Names an option the module does not put into words. */
export function notRead(reading: Reading, group: MatchGroup, option: RuleOption): void {
  reading.uninterpreted.push(`${group.module ?? 'option'} ${option.name}`);
}

/** `53,67:68` -> `['53', '67-68']`. */
export function portItems(ports: string): string[] {
  return ports.split(',').map((port) => port.replace(':', '-'));
}

/** `docker0`, `any interface except docker0`, `any interface starting with veth` (`veth+`). */
export function interfacePhrase(option: RuleOption, verb: string, noun: string): string {
  const name = value(option);
  if (!name.endsWith('+')) return option.negated ? `${verb} any ${noun} except ${name}` : `${verb} ${name}`;
  const stem = name.slice(0, -1);
  if (stem === '') return option.negated ? `${verb} no ${noun}` : `${verb} any ${noun}`;
  return option.negated
    ? `${verb} any ${noun} except those starting with ${stem}`
    : `${verb} any ${noun} starting with ${stem}`;
}

export function listWith(items: string[], conjunction: 'and' | 'or'): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]}`;
}

export function unique(items: string[]): string[] {
  return [...new Set(items)];
}

export function parseNumber(text: string): number | null {
  const parsed = Number(text);
  return text !== '' && Number.isInteger(parsed) ? parsed : null;
}

/** 0.33333333349 -> "33.3%"; 0.5 -> "50%"; small values keep two significant digits. */
export function percent(probability: number): string {
  const value = probability * 100;
  return `${Number(value >= 1 ? value.toFixed(1) : value.toPrecision(2))}%`;
}

/** "3rd " for 3, "" for 1 ("every packet"): followed directly by the noun. */
export function ordinal(text: string): string {
  const n = parseNumber(text);
  if (n === null) return `${text}th `;
  if (n === 1) return '';
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix} `;
}

/** " (container redis)" for a single address whose owner the context knows, else "". */
export function ownerSuffix(address: string, ctx: ExplainContext): string {
  if (address.includes('/') || address.includes('-') || address === '') return '';
  const label = ctx.addressOwner?.(address);
  if (label === undefined) return '';
  return label === 'host' ? ' (the host)' : ` (container ${label})`;
}

// ---- Targets ----

export function targetValue(rule: Rule, ...names: string[]): string | undefined {
  return rule.target?.options.find((o) => names.includes(o.name))?.args[0];
}

export function targetValues(rule: Rule, name: string): string[] {
  return (rule.target?.options ?? []).filter((o) => o.name === name).map((o) => value(o));
}

export function hasTargetFlag(rule: Rule, name: string): boolean {
  return rule.target?.options.some((o) => o.name === name) === true;
}

export function withNatFlags(rule: Rule, phrase: string): string {
  const flags: string[] = [];
  if (hasTargetFlag(rule, '--random-fully')) flags.push('choosing source ports fully at random');
  else if (hasTargetFlag(rule, '--random')) flags.push('choosing ports at random');
  if (hasTargetFlag(rule, '--persistent')) flags.push('giving each client the same address every time');
  return flags.length === 0 ? phrase : `${phrase}, ${listWith(flags, 'and')}`;
}

/** `1025-65535` -> "ports 1025-65535"; `8080` -> "port 8080". */
export function portRangeWords(ports: string): string {
  return ports.includes('-') ? `ports ${ports}` : `port ${ports}`;
}

/**
 * The new address of a DNAT or SNAT: `172.17.0.2:6379 (container redis)`, `an address in 1.1.1.1-1.1.1.10, ports
 * 1025-65535`.
 */
export function natAddress(to: string, rule: Rule, ctx: ExplainContext, keptWhenNoPort: string): string {
  const { ip, port } = parseToDestination(to);
  const owner = ownerSuffix(ip, ctx);
  const address = ip.includes('-') ? `an address in ${ip}` : ip;
  if (port === null || port === '') return `${address}${owner}${keptWhenNoPort}`;
  const shifted = /^(\d+)-(\d+)\/(\d+)$/.exec(port);
  if (shifted)
    return `${address}${owner}, ports ${shifted[1]}-${shifted[2]} by offset (port P becomes ${shifted[1]} + P - ${shifted[3]})`;
  if (!port.includes('-')) return address === ip ? `${endpoint(ip, port)}${owner}` : `${address}, port ${port}`;
  const random = hasTargetFlag(rule, '--random') || hasTargetFlag(rule, '--random-fully');
  return `${address}${owner}, ports ${port}${random ? '' : ' (the original port is kept when it lies in that range)'}`;
}

/** `--to-destination :53` / `--to-source :53`: only the port changes. */
export function portOnly(targets: string[]): string | null {
  if (targets.length !== 1) return null;
  const { ip, port } = parseToDestination(targets[0]);
  return ip === '' && port !== null && port !== '' ? port : null;
}

export function prefixWords(prefix: string | undefined): string {
  return prefix === undefined ? '' : ` with prefix "${prefix}"`;
}

/** A phrase for an option's value: [when it holds, when it is negated]; null to say nothing (it changes no match). */
export type OptionPhrases = Record<string, (text: string) => [string, string] | null>;

/** The reading of a module whose options each put one condition into words. */
export function phraseReader(phrases: OptionPhrases): (group: MatchGroup, reading: Reading) => void {
  return (group, reading) => {
    for (const option of group.options) {
      const phrase = Object.hasOwn(phrases, option.name) ? phrases[option.name] : undefined;
      if (phrase === undefined) {
        notRead(reading, group, option);
        continue;
      }
      const both = phrase(value(option));
      if (both !== null) reading.clauses.push(option.negated ? both[1] : both[0]);
    }
  };
}
