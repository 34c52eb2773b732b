// Plain-language explanations of iptables rules: what a rule matches and what it does to a packet.
import type { MatchGroup, Rule, RuleOption } from '../iptables/types';
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

/** How describeConditions words a jump that needs a local destination; inheritedConditions are read for it. */
export const ANY_LOCAL_DESTINATION = 'to any local address';

/** An option's value and whether `!` came before it. */
interface Negatable {
  text: string;
  negated: boolean;
}

/** What a rule says about one end of the packet. */
interface Side {
  /** `-s` / `-d`: an address or CIDR. */
  address: Negatable | null;
  /** `-m addrtype --src-type/--dst-type`: `LOCAL`, `BROADCAST,MULTICAST`... */
  addressType: (Negatable & { incomingOnly: boolean; outgoingOnly: boolean }) | null;
  /** In iptables syntax: `80`, `30000:30010`, `53,67:68`. */
  ports: Negatable | null;
}

/** Everything read from a rule's matches, before it is put into words. */
interface Reading {
  protocol: Negatable | null;
  source: Side;
  destination: Side;
  /** Conditions already in words, in rule order (interfaces, states, probabilities...). */
  clauses: string[];
  /** Matches and options we do not put into words, named so the reader knows they exist. */
  uninterpreted: string[];
  comments: string[];
}

type GroupReader = (group: MatchGroup, reading: Reading) => void;

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

const ICMP_TYPES = new Map([
  ['0', 'echo-reply'],
  ['3', 'destination-unreachable'],
  ['8', 'echo-request'],
  ['11', 'time-exceeded'],
]);

const TCP_FLAGS_ALL = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG'];

const RATE_UNITS = new Map([
  ['s', 'second'],
  ['sec', 'second'],
  ['second', 'second'],
  ['m', 'minute'],
  ['min', 'minute'],
  ['minute', 'minute'],
  ['h', 'hour'],
  ['hour', 'hour'],
  ['d', 'day'],
  ['day', 'day'],
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

const BUILTIN_CHAINS = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);

const CONTINUES = 'then continues with the next rule';

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
    if (group.module === null) {
      readBuiltin(group, reading);
      continue;
    }
    const reader = GROUP_READERS.get(group.module);
    if (reader === undefined) reading.uninterpreted.push(`match '${group.module}'`);
    else reader(group, reading);
  }
  return reading;
}

function value(option: RuleOption, at = 0): string {
  return option.args[at] ?? '';
}

function negatable(option: RuleOption, at = 0): Negatable {
  return { text: value(option, at), negated: option.negated };
}

function notRead(reading: Reading, group: MatchGroup, option: RuleOption): void {
  reading.uninterpreted.push(`${group.module ?? 'option'} ${option.name}`);
}

function readBuiltin(group: MatchGroup, reading: Reading): void {
  for (const option of group.options) {
    switch (option.name) {
      case '-s':
      case '--source':
        reading.source.address = negatable(option);
        break;
      case '-d':
      case '--destination':
        reading.destination.address = negatable(option);
        break;
      case '-p':
      case '--protocol':
        if (value(option).toLowerCase() !== 'all') reading.protocol = negatable(option);
        break;
      case '-i':
      case '--in-interface':
        reading.clauses.push(interfacePhrase(option, 'arriving on', 'interface'));
        break;
      case '-o':
      case '--out-interface':
        reading.clauses.push(interfacePhrase(option, 'leaving through', 'interface'));
        break;
      case '-f':
      case '--fragment':
        reading.clauses.push(option.negated ? 'in unfragmented packets or first fragments' : 'in non-first fragments');
        break;
      default:
        notRead(reading, group, option);
    }
  }
}

function readPorts(group: MatchGroup, reading: Reading): void {
  for (const option of group.options) {
    switch (option.name) {
      case '--dport':
      case '--destination-port':
        reading.destination.ports = negatable(option);
        break;
      case '--sport':
      case '--source-port':
        reading.source.ports = negatable(option);
        break;
      case '--tcp-flags':
        reading.clauses.push(tcpFlagsPhrase(option));
        break;
      case '--syn':
        reading.clauses.push(
          option.negated ? 'other than connection-opening SYNs' : 'opening a connection (SYN without ACK)',
        );
        break;
      case '--tcp-option':
        reading.clauses.push(`${option.negated ? 'without' : 'with'} TCP option ${value(option)}`);
        break;
      default:
        notRead(reading, group, option);
    }
  }
}

function readMultiport(group: MatchGroup, reading: Reading): void {
  for (const option of group.options) {
    switch (option.name) {
      case '--dports':
      case '--destination-ports':
        reading.destination.ports = negatable(option);
        break;
      case '--sports':
      case '--source-ports':
        reading.source.ports = negatable(option);
        break;
      case '--ports': {
        const ports = portItems(value(option)).join(', ');
        reading.clauses.push(
          option.negated
            ? `with neither source nor destination port in ${ports}`
            : `with source or destination port in ${ports}`,
        );
        break;
      }
      default:
        notRead(reading, group, option);
    }
  }
}

function readAddrtype(group: MatchGroup, reading: Reading): void {
  const incomingOnly = group.options.some((o) => o.name === '--limit-iface-in');
  const outgoingOnly = group.options.some((o) => o.name === '--limit-iface-out');
  for (const option of group.options) {
    if (option.name === '--src-type') reading.source.addressType = { ...negatable(option), incomingOnly, outgoingOnly };
    else if (option.name === '--dst-type')
      reading.destination.addressType = { ...negatable(option), incomingOnly, outgoingOnly };
    else if (option.name !== '--limit-iface-in' && option.name !== '--limit-iface-out') notRead(reading, group, option);
  }
}

function readConnectionState(group: MatchGroup, reading: Reading): void {
  for (const option of group.options) {
    if (option.name === '--ctstate' || option.name === '--state') {
      const states = listWith(value(option).split(','), 'or');
      reading.clauses.push(option.negated ? `not in connection state ${states}` : `in connection state ${states}`);
    } else {
      notRead(reading, group, option);
    }
  }
}

function readComment(group: MatchGroup, reading: Reading): void {
  for (const option of group.options) {
    if (option.name === '--comment') {
      if (value(option) !== '') reading.comments.push(value(option));
    } else {
      notRead(reading, group, option);
    }
  }
}

function readStatistic(group: MatchGroup, reading: Reading): void {
  const find = (name: string) => group.options.find((o) => o.name === name);
  const mode = find('--mode');
  const probability = find('--probability');
  const every = find('--every');
  const packet = find('--packet');
  if (mode !== undefined && value(mode) === 'nth' && every !== undefined) {
    const offset = packet !== undefined && value(packet) !== '0' ? ` starting at packet ${value(packet)}` : '';
    const phrase = `on every ${ordinal(value(every))}packet${offset}`;
    reading.clauses.push(every.negated ? `except ${phrase}` : phrase);
  } else if (probability !== undefined) {
    const p = Number(value(probability));
    // `! --probability p` matches the other packets.
    reading.clauses.push(`with probability ${percent(probability.negated ? 1 - p : p)}`);
  } else {
    reading.uninterpreted.push("match 'statistic'");
    return;
  }
  for (const option of group.options) {
    if (option !== mode && option !== probability && option !== every && option !== packet)
      notRead(reading, group, option);
  }
}

function readMark(group: MatchGroup, reading: Reading): void {
  const connection = group.module === 'connmark';
  for (const option of group.options) {
    if (option.name !== '--mark') {
      notRead(reading, group, option);
    } else if (connection) {
      reading.clauses.push(`whose connection ${option.negated ? 'does not carry' : 'carries'} mark ${value(option)}`);
    } else {
      reading.clauses.push(`${option.negated ? 'not carrying' : 'carrying'} firewall mark ${value(option)}`);
    }
  }
}

function readSet(group: MatchGroup, reading: Reading): void {
  for (const option of group.options) {
    if (option.name !== '--match-set') {
      notRead(reading, group, option);
      continue;
    }
    const parts = value(option, 1)
      .split(',')
      .map((flag) => (flag === 'src' ? 'source' : flag === 'dst' ? 'destination' : flag));
    const what = parts.length > 1 ? `(${parts.join(', ')})` : parts[0];
    reading.clauses.push(`whose ${what} is ${option.negated ? 'not ' : ''}in IP set ${value(option)}`);
  }
}

function readLimit(group: MatchGroup, reading: Reading): void {
  const rate = group.options.find((o) => o.name === '--limit');
  const burst = group.options.find((o) => o.name === '--limit-burst');
  // iptables' defaults when an option is left out: 3/hour, bursts of 5.
  const [count = '3', unit = 'hour'] = (rate === undefined ? '3/hour' : value(rate)).split('/');
  const speed = `${count} packet${count === '1' ? '' : 's'} a ${RATE_UNITS.get(unit) ?? unit}${burst === undefined ? '' : ` (bursts of ${value(burst)})`}`;
  reading.clauses.push(rate?.negated === true ? `beyond ${speed}` : `at up to ${speed}`);
  for (const option of group.options) {
    if (option !== rate && option !== burst) notRead(reading, group, option);
  }
}

function readPhysdev(group: MatchGroup, reading: Reading): void {
  for (const option of group.options) {
    const not = option.negated ? 'not ' : '';
    switch (option.name) {
      case '--physdev-in':
        reading.clauses.push(interfacePhrase(option, 'entering the bridge from', 'port'));
        break;
      case '--physdev-out':
        reading.clauses.push(interfacePhrase(option, 'leaving the bridge through', 'port'));
        break;
      case '--physdev-is-in':
        reading.clauses.push(`that ${option.negated ? 'did not enter' : 'entered'} through a bridge port`);
        break;
      case '--physdev-is-out':
        reading.clauses.push(`that will ${not}leave through a bridge port`);
        break;
      case '--physdev-is-bridged':
        reading.clauses.push(`that is ${not}being bridged`);
        break;
      default:
        notRead(reading, group, option);
    }
  }
}

function readIcmp(group: MatchGroup, reading: Reading): void {
  for (const option of group.options) {
    if (option.name !== '--icmp-type' && option.name !== '--icmpv6-type') {
      notRead(reading, group, option);
      continue;
    }
    const type = value(option);
    const named = ICMP_TYPES.has(type) && option.name === '--icmp-type' ? `${type} (${ICMP_TYPES.get(type)})` : type;
    reading.clauses.push(option.negated ? `of any type except ${named}` : `of type ${named}`);
  }
}

function readOther(group: MatchGroup, reading: Reading): void {
  for (const option of group.options) {
    const text = value(option);
    const phrase = (yes: string, no: string) => reading.clauses.push(option.negated ? no : yes);
    switch (option.name) {
      case '--mac-source':
        phrase(`from MAC address ${text}`, `from any MAC address except ${text}`);
        break;
      case '--src-range':
        phrase(`from an address in ${text}`, `from an address outside ${text}`);
        break;
      case '--dst-range':
        phrase(`to an address in ${text}`, `to an address outside ${text}`);
        break;
      case '--length':
        phrase(`of length ${text.replace(':', '-')} bytes`, `of any length except ${text.replace(':', '-')} bytes`);
        break;
      case '--string':
        phrase(`containing the text "${text}"`, `not containing the text "${text}"`);
        break;
      case '--hex-string':
        phrase(`containing the bytes ${text}`, `not containing the bytes ${text}`);
        break;
      case '--algo':
        break; // how the string is searched, not what matches
      case '--uid-owner':
        phrase(`sent by user ${text}`, `not sent by user ${text}`);
        break;
      case '--gid-owner':
        phrase(`sent by group ${text}`, `not sent by group ${text}`);
        break;
      default:
        notRead(reading, group, option);
    }
  }
}

const GROUP_READERS = new Map<string, GroupReader>([
  ['tcp', readPorts],
  ['udp', readPorts],
  ['sctp', readPorts],
  ['dccp', readPorts],
  ['udplite', readPorts],
  ['multiport', readMultiport],
  ['addrtype', readAddrtype],
  ['conntrack', readConnectionState],
  ['state', readConnectionState],
  ['comment', readComment],
  ['statistic', readStatistic],
  ['mark', readMark],
  ['connmark', readMark],
  ['set', readSet],
  ['limit', readLimit],
  ['physdev', readPhysdev],
  ['icmp', readIcmp],
  ['icmp6', readIcmp],
  ['mac', readOther],
  ['iprange', readOther],
  ['length', readOther],
  ['string', readOther],
  ['owner', readOther],
]);

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

/** " (container redis)" for a single address whose owner the context knows, else "". */
function ownerSuffix(address: string, ctx: ExplainContext): string {
  if (address.includes('/') || address.includes('-') || address === '') return '';
  const label = ctx.addressOwner?.(address);
  if (label === undefined) return '';
  return label === 'host' ? ' (the host)' : ` (container ${label})`;
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

/** `53,67:68` -> `['53', '67-68']`. */
function portItems(ports: string): string[] {
  return ports.split(',').map((port) => port.replace(':', '-'));
}

function portsPhrase(ports: Negatable): string {
  const items = portItems(ports.text);
  if (ports.negated) return `any port except ${items.join(', ')}`;
  return items.length === 1 && !items[0].includes('-') ? `port ${items[0]}` : `ports ${items.join(', ')}`;
}

/** `docker0`, `any interface except docker0`, `any interface starting with veth` (`veth+`). */
function interfacePhrase(option: RuleOption, verb: string, noun: string): string {
  const name = value(option);
  if (!name.endsWith('+')) return option.negated ? `${verb} any ${noun} except ${name}` : `${verb} ${name}`;
  const stem = name.slice(0, -1);
  if (stem === '') return option.negated ? `${verb} no ${noun}` : `${verb} any ${noun}`;
  return option.negated
    ? `${verb} any ${noun} except those starting with ${stem}`
    : `${verb} any ${noun} starting with ${stem}`;
}

function tcpFlagsPhrase(option: RuleOption): string {
  const flags = (text: string) => (text === 'ALL' ? TCP_FLAGS_ALL : text === 'NONE' ? [] : text.split(','));
  const mask = flags(value(option, 0));
  const set = flags(value(option, 1));
  if (
    mask.length === 4 &&
    ['FIN', 'SYN', 'RST', 'ACK'].every((f) => mask.includes(f)) &&
    set.length === 1 &&
    set[0] === 'SYN'
  ) {
    return option.negated ? 'other than connection-opening SYNs' : 'opening a connection (SYN without ACK)';
  }
  const clear = mask.filter((flag) => !set.includes(flag));
  const parts = [
    set.length > 0 ? `${set.join(', ')} set` : '',
    clear.length > 0 ? `${clear.join(', ')} clear` : '',
  ].filter((p) => p !== '');
  const phrase = `with flags ${parts.join(' and ')}`;
  return option.negated ? `except those ${phrase}` : phrase;
}

// ---- Putting the target into words ----

function targetValue(rule: Rule, ...names: string[]): string | undefined {
  return rule.target?.options.find((o) => names.includes(o.name))?.args[0];
}

function targetValues(rule: Rule, name: string): string[] {
  return (rule.target?.options ?? []).filter((o) => o.name === name).map((o) => value(o));
}

function hasTargetFlag(rule: Rule, name: string): boolean {
  return rule.target?.options.some((o) => o.name === name) === true;
}

/** The verb phrase: "is accepted", "continues in chain X and comes back", "is rewritten to ...". */
function describeTarget(rule: Rule, ctx: ExplainContext): string {
  const target = rule.target;
  if (target === null) return 'is only counted: the rule has no target';
  if (target.kind === 'goto') return `continues in chain ${target.name} and does not come back`;
  switch (target.name) {
    // In nat, ACCEPT ends the table's walk for this hook: the packet keeps its addresses.
    case 'ACCEPT':
      return rule.table === 'nat' ? 'is accepted without address translation' : 'is accepted';
    case 'DROP':
      return 'is dropped';
    case 'REJECT':
      return rejectPhrase(targetValue(rule, '--reject-with'));
    case 'RETURN':
      return BUILTIN_CHAINS.has(rule.chain)
        ? `leaves ${rule.chain}, whose policy then decides`
        : 'goes back to the chain that jumped here';
    case 'DNAT':
      return dnatPhrase(rule, ctx);
    case 'SNAT':
      return snatPhrase(rule, ctx);
    case 'MASQUERADE': {
      const ports = targetValue(rule, '--to-ports');
      return withNatFlags(
        rule,
        `has its source rewritten to the outgoing interface's address${ports === undefined ? '' : `, source ${portRangeWords(ports)}`}`,
      );
    }
    case 'REDIRECT': {
      const ports = targetValue(rule, '--to-ports');
      return withNatFlags(
        rule,
        ports === undefined
          ? 'is redirected to this host, keeping its port'
          : `is redirected to this host, ${portRangeWords(ports)}`,
      );
    }
    case 'MARK':
      return `${markPhrase(rule)}, ${CONTINUES}`;
    case 'CONNMARK':
      return `${connmarkPhrase(rule)}, ${CONTINUES}`;
    case 'LOG':
      return `is logged${prefixWords(targetValue(rule, '--log-prefix'))}, ${CONTINUES}`;
    case 'NFLOG':
      return `is logged to nflog group ${targetValue(rule, '--nflog-group') ?? '0'}${prefixWords(targetValue(rule, '--nflog-prefix'))}, ${CONTINUES}`;
    case 'CT':
      return `${ctPhrase(rule)}, ${CONTINUES}`;
    case 'NOTRACK':
      return `is excluded from connection tracking, ${CONTINUES}`;
    case 'TCPMSS': {
      const mss = targetValue(rule, '--set-mss');
      return `${mss === undefined ? 'has its TCP MSS clamped to the path MTU' : `has its TCP MSS set to ${mss}`}, ${CONTINUES}`;
    }
    case 'CHECKSUM':
      return `gets its checksum filled in, ${CONTINUES}`;
    case 'NFQUEUE':
      return `is handed to a user-space program through queue ${targetValue(rule, '--queue-num', '--queue-balance')?.replace(':', '-') ?? '0'}`;
    case 'QUEUE':
      return 'is handed to a user-space program';
  }
  if (TARGET_EXTENSIONS.has(target.name) || target.options.length > 0)
    return `goes to target ${target.name} (not interpreted)`;
  return `continues in chain ${target.name} and comes back`;
}

function rejectPhrase(kind: string | undefined): string {
  if (kind === undefined) return 'is rejected with an ICMP port-unreachable error';
  if (kind === 'tcp-reset') return 'is rejected with a TCP reset';
  const icmp = /^icmp(6?)-(.*)$/.exec(kind);
  return icmp === null
    ? `is rejected with ${kind}`
    : `is rejected with an ICMP${icmp[1] === '6' ? 'v6' : ''} ${icmp[2]} error`;
}

function withNatFlags(rule: Rule, phrase: string): string {
  const flags: string[] = [];
  if (hasTargetFlag(rule, '--random-fully')) flags.push('choosing source ports fully at random');
  else if (hasTargetFlag(rule, '--random')) flags.push('choosing ports at random');
  if (hasTargetFlag(rule, '--persistent')) flags.push('giving each client the same address every time');
  return flags.length === 0 ? phrase : `${phrase}, ${listWith(flags, 'and')}`;
}

/** `1025-65535` -> "ports 1025-65535"; `8080` -> "port 8080". */
function portRangeWords(ports: string): string {
  return ports.includes('-') ? `ports ${ports}` : `port ${ports}`;
}

/**
 * The new address of a DNAT or SNAT: `172.17.0.2:6379 (container redis)`, `an address in 1.1.1.1-1.1.1.10, ports
 * 1025-65535`.
 */
function natAddress(to: string, rule: Rule, ctx: ExplainContext, keptWhenNoPort: string): string {
  const { ip, port } = parseToDestination(to);
  const owner = ownerSuffix(ip, ctx);
  const address = ip.includes('-') ? `an address in ${ip}` : ip;
  if (port === null || port === '') return `${address}${owner}${keptWhenNoPort}`;
  if (!port.includes('-'))
    return address === ip ? `${ip.includes(':') ? `[${ip}]` : ip}:${port}${owner}` : `${address}, port ${port}`;
  const random = hasTargetFlag(rule, '--random') || hasTargetFlag(rule, '--random-fully');
  return `${address}${owner}, ports ${port}${random ? '' : ' (the original port is kept when it lies in that range)'}`;
}

/** `--to-destination :53` / `--to-source :53`: only the port changes. */
function portOnly(targets: string[]): string | null {
  if (targets.length !== 1) return null;
  const { ip, port } = parseToDestination(targets[0]);
  return ip === '' && port !== null && port !== '' ? port : null;
}

function dnatPhrase(rule: Rule, ctx: ExplainContext): string {
  const targets = targetValues(rule, '--to-destination');
  if (targets.length === 0) return 'is rewritten (no --to-destination given)';
  const port = portOnly(targets);
  if (port !== null) return withNatFlags(rule, `has its destination port rewritten to ${port}`);
  return withNatFlags(
    rule,
    `is rewritten to ${targets.map((to) => natAddress(to, rule, ctx, ', keeping its port')).join(' or ')}`,
  );
}

function snatPhrase(rule: Rule, ctx: ExplainContext): string {
  const targets = targetValues(rule, '--to-source');
  if (targets.length === 0) return 'has its source rewritten (no --to-source given)';
  const port = portOnly(targets);
  if (port !== null) return withNatFlags(rule, `has its source port rewritten to ${port}`);
  return withNatFlags(
    rule,
    `has its source rewritten to ${targets.map((to) => natAddress(to, rule, ctx, '')).join(' or ')}`,
  );
}

function prefixWords(prefix: string | undefined): string {
  return prefix === undefined ? '' : ` with prefix "${prefix}"`;
}

function parseNumber(text: string): number | null {
  const parsed = Number(text);
  return text !== '' && Number.isInteger(parsed) ? parsed : null;
}

/** MARK `--set-xmark V/M` means mark = (mark & ~M) ^ V: the common cases in words, the rest generically. */
function markPhrase(rule: Rule): string {
  const xmark = targetValue(rule, '--set-xmark');
  const setMark = targetValue(rule, '--set-mark');
  if (xmark !== undefined) {
    const [v = '', m = '0xffffffff'] = xmark.split('/');
    const bits = parseNumber(v);
    const mask = parseNumber(m);
    if (bits !== null && mask !== null) {
      if (mask === 0xffffffff) return `has its firewall mark set to ${v}`;
      if (bits === mask) return `has firewall mark bits ${v} set`;
      if (bits === 0) return `has firewall mark bits ${m} cleared`;
      if (mask === 0) return `has firewall mark bits ${v} flipped`;
    }
    return `has its firewall mark changed (--set-xmark ${xmark})`;
  }
  if (setMark !== undefined) {
    const [v, m] = setMark.split('/');
    return m === undefined ? `has its firewall mark set to ${v}` : `has firewall mark bits ${m} set to ${v}`;
  }
  return 'has its firewall mark changed';
}

function connmarkPhrase(rule: Rule): string {
  if (hasTargetFlag(rule, '--save-mark')) return "has its firewall mark saved as its connection's mark";
  if (hasTargetFlag(rule, '--restore-mark')) return "gets its connection's mark as its firewall mark";
  return "has its connection's mark changed";
}

function ctPhrase(rule: Rule): string {
  if (hasTargetFlag(rule, '--notrack')) return 'is excluded from connection tracking';
  const helper = targetValue(rule, '--helper');
  if (helper !== undefined) return `is tracked with the conntrack helper ${helper}`;
  const zone = targetValue(rule, '--zone');
  if (zone !== undefined) return `is tracked in conntrack zone ${zone}`;
  return 'gets conntrack settings';
}

// ---- Small word helpers ----

function listWith(items: string[], conjunction: 'and' | 'or'): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]}`;
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}

/** 0.33333333349 -> "33.3%"; 0.5 -> "50%"; small values keep two significant digits. */
function percent(probability: number): string {
  const value = probability * 100;
  return `${Number(value >= 1 ? value.toFixed(1) : value.toPrecision(2))}%`;
}

/** "3rd " for 3, "" for 1 ("every packet"): followed directly by the noun. */
function ordinal(text: string): string {
  const n = parseNumber(text);
  if (n === null) return `${text}th `;
  if (n === 1) return '';
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix} `;
}
