// Plain-language explanations of iptables rules: what a rule matches and what it does to a packet. Each match module
// and target puts itself into words (src/core/iptables/matches/, targets/); this file joins the parts into sentences.
import { builtinOptions } from '../iptables/builtinOptions';
import { matchModule, targetModule } from '../iptables/module';
import type { Rule } from '../iptables/types';
import {
  listWith,
  ownerSuffix,
  portItems,
  unique,
  type ExplainContext,
  type Negatable,
  type Reading,
  type Side,
} from './words';

export type { ExplainContext } from './words';

/** How describeConditions words a jump that needs a local destination; inheritedConditions are read for it. */
export const ANY_LOCAL_DESTINATION = 'to any local address';

const PROTOCOL_NAMES = new Map([
  ['tcp', 'TCP'],
  ['6', 'TCP'],
  ['udp', 'UDP'],
  ['17', 'UDP'],
  ['icmp', 'ICMP'],
  ['1', 'ICMP'],
  ['ipv6-icmp', 'ICMPv6'],
  ['icmpv6', 'ICMPv6'],
  ['58', 'ICMPv6'],
  ['sctp', 'SCTP'],
  ['udplite', 'UDP-Lite'],
  ['dccp', 'DCCP'],
  ['gre', 'GRE'],
  ['esp', 'ESP'],
  ['ah', 'AH'],
  ['igmp', 'IGMP'],
]);

/**
 * Target extensions (as opposed to user chains). A `-j NAME` not listed here and without options
 * is taken for a chain: iptables refuses chains named like targets.
 */
const TARGET_EXTENSIONS = new Set([
  'ACCEPT',
  'DROP',
  'RETURN',
  'QUEUE',
  'AUDIT',
  'CHECKSUM',
  'CLASSIFY',
  'CLUSTERIP',
  'CONNMARK',
  'CONNSECMARK',
  'CT',
  'DNAT',
  'DNPT',
  'DSCP',
  'ECN',
  'HL',
  'HMARK',
  'IDLETIMER',
  'LED',
  'LOG',
  'MARK',
  'MASQUERADE',
  'MIRROR',
  'NETMAP',
  'NFLOG',
  'NFQUEUE',
  'NOTRACK',
  'RATEEST',
  'REDIRECT',
  'REJECT',
  'SAME',
  'SECMARK',
  'SET',
  'SNAT',
  'SNPT',
  'SYNPROXY',
  'TCPMSS',
  'TCPOPTSTRIP',
  'TEE',
  'TOS',
  'TPROXY',
  'TRACE',
  'TTL',
  'ULOG',
]);

/**
 * One or two plain sentences saying what the rule matches and does, e.g. "TCP to any local
 * address, port 6379, arriving on any interface except docker0, is rewritten to
 * 172.17.0.2:6379 (container redis)." Matches we do not interpret are named in a further
 * sentence, and comments quoted in a last one. Plain text: comments, interface and chain names
 * appear verbatim, so escape the result (markdown.ts) before putting it into Markdown.
 */
export function explainRule(rule: Rule, ctx: ExplainContext = {}): string {
  const reading = readMatches(rule);
  const conditions = conditionClauses(reading, ctx);
  // "All traffic" would be wrong when a match we cannot read narrows it.
  const conditioned = conditions.clauses.length > 0 || reading.uninterpreted.length > 0;
  const sentences = [
    `${subject(reading.protocol, conditioned)}${joinClauses(conditions)}${describeTarget(rule, ctx)}.`,
  ];
  if (reading.uninterpreted.length > 0) {
    sentences.push(`It also requires ${listWith(unique(reading.uninterpreted), 'and')} (not interpreted).`);
  }
  if (reading.comments.length > 0) {
    sentences.push(
      `Comment${reading.comments.length > 1 ? 's' : ''}: ${reading.comments.map((c) => `"${c}"`).join(', ')}.`,
    );
  }
  return sentences.join(' ');
}

/** The matches and the target the explanation names as not interpreted, as `-m module --option` and `-j TARGET`. */
export function uninterpretedOf(rule: Rule): string[] {
  const out = unique(readMatches(rule).uninterpreted);
  if (rule.target !== null && describeTarget(rule, {}).includes('(not interpreted)'))
    out.push(`-j ${rule.target.name}`);
  return out;
}

/**
 * The rule's conditions alone, as a phrase ("TCP to 10.96.0.10, port 80", "with probability
 * 33.3%"); empty when the rule matches everything. Used for the jumps along a chain path.
 */
export function describeConditions(rule: Rule, ctx: ExplainContext = {}): string {
  const reading = readMatches(rule);
  const parts = conditionClauses(reading, ctx).clauses;
  const protocol = reading.protocol === null ? null : protocolName(reading.protocol);
  const uninterpreted = unique(reading.uninterpreted).map((item) => `${item} (not interpreted)`);
  const conditions = [...parts, ...uninterpreted].join(', ');
  return protocol === null ? conditions : conditions === '' ? protocol : `${protocol} ${conditions}`;
}

// ---- Reading matches ----

function emptySide(): Side {
  return { address: null, addressType: null, ports: null };
}

function readMatches(rule: Rule): Reading {
  const reading: Reading = {
    protocol: null,
    source: emptySide(),
    destination: emptySide(),
    clauses: [],
    uninterpreted: [],
    comments: [],
  };
  for (const group of rule.matches) {
    const module = group.module === null ? builtinOptions : matchModule(group.module);
    if (module === null) reading.uninterpreted.push(`match '${group.module}'`);
    else module.read(group, reading);
  }
  return reading;
}

// ---- Putting conditions into words ----

/** The conditions in sentence order; `compound` when they need a comma before the verb. */
interface Conditions {
  clauses: string[];
  compound: boolean;
}

function conditionClauses(reading: Reading, ctx: ExplainContext): Conditions {
  const sides = [
    sidePhrase(reading.source, 'from', ctx, false),
    sidePhrase(reading.destination, 'to', ctx, inheritsLocalDestination(ctx)),
  ];
  const clauses: string[] = [];
  let compound = false;
  for (const side of sides) {
    if (side === null) continue;
    clauses.push(side.text);
    compound ||= side.twoPart;
  }
  clauses.push(...reading.clauses);
  return { clauses, compound: compound || clauses.length > 1 };
}

function inheritsLocalDestination(ctx: ExplainContext): boolean {
  if (ctx.reachedOnlyForLocalDestination === true) return true;
  // "to any local address", possibly narrowed: "... except 127.0.0.0/8", "..., port 80". Alternatives ("either ...") do
  // not count.
  return (
    ctx.inheritedConditions?.some(
      (c) =>
        c === ANY_LOCAL_DESTINATION ||
        c.startsWith(`${ANY_LOCAL_DESTINATION} `) ||
        c.startsWith(`${ANY_LOCAL_DESTINATION},`),
    ) === true
  );
}

/** `TCP to port 80 is`, but `TCP to port 80, arriving on eth0, is`: commas around a list of conditions. */
function joinClauses(conditions: Conditions): string {
  if (conditions.clauses.length === 0) return ' ';
  return ` ${conditions.clauses.join(', ')}${conditions.compound ? ', ' : ' '}`;
}

function protocolName(protocol: Negatable): string {
  const name = PROTOCOL_NAMES.get(protocol.text.toLowerCase());
  if (name === undefined) return protocol.negated ? `not of protocol ${protocol.text}` : `of protocol ${protocol.text}`;
  return protocol.negated ? `other than ${name}` : name;
}

function subject(protocol: Negatable | null, conditioned: boolean): string {
  if (protocol === null) return conditioned ? 'Traffic' : 'All traffic';
  const name = protocolName(protocol);
  if (protocol.negated || !PROTOCOL_NAMES.has(protocol.text.toLowerCase())) return `Traffic ${name}`;
  return conditioned ? name : `All ${name} traffic`;
}

function addressText(cidr: string, ctx: ExplainContext): string {
  const address = cidr.replace(/\/(?:32|128)$/, '');
  return `${address}${ownerSuffix(address, ctx)}`;
}

function typeWords(types: string): string {
  return listWith(
    types.split(',').map((type) => type.toLowerCase()),
    'or',
  );
}

/** "to any local address, port 6379": `twoPart` when an address and its port are both there. */
function sidePhrase(
  side: Side,
  direction: 'from' | 'to',
  ctx: ExplainContext,
  inheritedLocal: boolean,
): { text: string; twoPart: boolean } | null {
  const type =
    side.addressType ??
    (inheritedLocal ? { text: 'LOCAL', negated: false, incomingOnly: false, outgoingOnly: false } : null);
  const limit =
    type?.incomingOnly === true
      ? ' (judged on the incoming interface only)'
      : type?.outgoingOnly === true
        ? ' (judged on the outgoing interface only)'
        : '';
  const kind = type === null ? '' : typeWords(type.text);
  let where: string | null = null;
  if (side.address !== null && !side.address.negated) {
    const address = addressText(side.address.text, ctx);
    // An inherited LOCAL says nothing new about an explicit address.
    where =
      side.addressType === null
        ? address
        : `${address} (when it is ${type?.negated === true ? 'not ' : ''}a ${kind} address)${limit}`;
  } else if (side.address !== null) {
    const address = addressText(side.address.text, ctx);
    if (type === null) where = `any address except ${address}`;
    else if (type.negated) where = `any address except ${address} that is not ${kind}${limit}`;
    else where = `any ${kind} address except ${address}${limit}`;
  } else if (type !== null) {
    const not = type.text.includes(',') ? `any address that is not ${kind}` : `any non-${kind} address`;
    where = `${type.negated ? not : `any ${kind} address`}${limit}`;
  }
  const ports = side.ports === null ? null : portsPhrase(side.ports);
  if (where !== null && ports !== null) return { text: `${direction} ${where}, ${ports}`, twoPart: true };
  if (where !== null) return { text: `${direction} ${where}`, twoPart: false };
  return ports === null ? null : { text: `${direction} ${ports}`, twoPart: false };
}

function portsPhrase(ports: Negatable): string {
  const items = portItems(ports.text);
  if (ports.negated) return `any port except ${items.join(', ')}`;
  return items.length === 1 && !items[0].includes('-') ? `port ${items[0]}` : `ports ${items.join(', ')}`;
}

// ---- Putting the target into words ----

/** The verb phrase: "is accepted", "continues in chain X and comes back", "is rewritten to ...". */
function describeTarget(rule: Rule, ctx: ExplainContext): string {
  const target = rule.target;
  if (target === null) return 'is only counted: the rule has no target';
  if (target.kind === 'goto') return `continues in chain ${target.name} and does not come back`;
  const module = targetModule(target.name);
  if (module !== null) return module.describe(rule, ctx);
  if (TARGET_EXTENSIONS.has(target.name) || target.options.length > 0)
    return `goes to target ${target.name} (not interpreted)`;
  return `continues in chain ${target.name} and comes back`;
}
