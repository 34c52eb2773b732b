// nft rules in plain language, as src/core/explain does for iptables: the conditions, then what the rule does. A
// statement this does not know is quoted raw and named as not interpreted.
import type { ExplainContext } from '../explain/words';
import { listWith, ownerSuffix } from '../explain/words';
import { endpoint } from '../net/address';
import { mapEntries } from './maps';
import { isObj, kindOf, printExpr, printStatement, str } from './print';
import type { NftJson, NftRule, NftSet } from './types';

const FIELDS: Record<string, string> = {
  'ip saddr': 'the source address',
  'ip daddr': 'the destination address',
  'ip6 saddr': 'the IPv6 source address',
  'ip6 daddr': 'the IPv6 destination address',
  'ip protocol': 'the protocol',
  'ip6 nexthdr': 'the next header',
  'meta l4proto': 'the protocol',
  'meta nfproto': 'the family',
  'tcp dport': 'the TCP destination port',
  'tcp sport': 'the TCP source port',
  'udp dport': 'the UDP destination port',
  'udp sport': 'the UDP source port',
  'th dport': 'the destination port',
  'th sport': 'the source port',
  iifname: 'the input interface',
  oifname: 'the output interface',
  iif: 'the input interface',
  oif: 'the output interface',
  'meta mark': 'the packet mark',
  'ct mark': 'the connection mark',
  'ct state': 'the connection state',
  'ct status': 'the connection status',
  'ct direction': 'the direction',
  'fib daddr type': 'the destination address type',
  'fib saddr type': 'the source address type',
};

export interface NftExplainContext extends ExplainContext {
  sets: ReadonlyMap<string, NftSet>;
}

function valueWords(v: NftJson, ctx: NftExplainContext): string {
  if (typeof v === 'string' && v.startsWith('@')) {
    const set = ctx.sets.get(v.slice(1));
    const n = set?.elements.length;
    return `one of the ${n ?? '?'} entr${n === 1 ? 'y' : 'ies'} of the named ${set?.kind ?? 'set'} ${v}`;
  }
  if (typeof v === 'string') return `${v}${ownerSuffix(v, ctx)}`;
  const k = kindOf(v);
  if (k?.[0] === 'set' || Array.isArray(v)) {
    const items = Array.isArray(v) ? v : Array.isArray(k?.[1]) ? (k?.[1] as NftJson[]) : [];
    return items.length > 6
      ? `one of ${items.length} values (${printExpr(v)})`
      : listWith(
          items.map((x) => printExpr(x)),
          'or',
        );
  }
  return printExpr(v);
}

/** What a match's left side reads, in words: a known field, a masked one, or several taken together. */
function subjectOf(left: NftJson): string | null {
  const field = printExpr(left);
  const k = kindOf(left);
  if (k?.[0] === '&' && Array.isArray(k[1]) && typeof k[1][1] === 'number') {
    const inner = FIELDS[printExpr(k[1][0] ?? null)];
    return inner ? `${inner} masked with 0x${k[1][1].toString(16)}` : null;
  }
  return FIELDS[field] ?? (k?.[0] === 'concat' ? `${field} (taken together)` : null);
}

function matchWords(b: { [k: string]: NftJson }, ctx: NftExplainContext): string | null {
  const left = b.left ?? null;
  const op = str(b.op) ?? '==';
  const field = printExpr(left);
  const right = b.right ?? null;
  if (field === 'ct status' && (op === 'in' || op === '=='))
    return `the connection was ${valueWords(right, ctx)}ed (conntrack)`
      .replace('dnated', 'DNATed')
      .replace('snated', 'SNATed');
  if (field === 'fib daddr type' && right === 'local')
    return op === '!='
      ? 'the destination is not a local address'
      : 'the destination is a local address of this namespace';
  if (field === 'meta nfproto' && (right === 'ipv4' || right === 'ipv6'))
    return `the packet is ${op === '!=' ? 'not ' : ''}${right === 'ipv4' ? 'IPv4' : 'IPv6'}`;
  if (field === 'ct state')
    return `the connection is ${op === '!=' ? 'not ' : ''}${valueWords(right, ctx).replace(/, /g, ' or ')}`;
  const subject = subjectOf(left);
  if (subject === null) return null;
  const iface = field.endsWith('ifname') || field === 'iif' || field === 'oif';
  const value =
    iface && typeof right === 'string'
      ? right.endsWith('*') && !right.endsWith('\\*')
        ? `any name starting with "${right.slice(0, -1)}"`
        : `"${right}"`
      : typeof right === 'number' && kindOf(left)?.[0] === '&'
        ? String(right)
        : valueWords(right, ctx);
  switch (op) {
    case '!=':
      return `${subject} is not ${value}`;
    case '<':
    case '>':
    case '<=':
    case '>=':
      return `${subject} ${op} ${value}`;
    default:
      return `${subject} is ${value}`;
  }
}

function verdictWords(v: NftJson): string | null {
  const k = kindOf(v);
  if (k === null) return null;
  const target = isObj(k[1]) ? str(k[1].target) : null;
  switch (k[0]) {
    case 'accept':
      return 'accepts the packet in this base chain (base chains of other tables at this hook still see it)';
    case 'drop':
      return 'drops the packet';
    case 'continue':
      return 'continues with the next rule';
    case 'return':
      return 'returns to the calling chain';
    case 'jump':
      return `jumps to ${target ?? '?'} (and comes back here if nothing there decides)`;
    case 'goto':
      return `goes to ${target ?? '?'} (without coming back)`;
    default:
      return null;
  }
}

function natWords(kind: string, b: { [k: string]: NftJson }, ctx: NftExplainContext): string {
  const addr = b.addr === undefined ? null : printExpr(b.addr);
  const port = b.port === undefined ? null : printExpr(b.port);
  const to = addr !== null ? `${endpoint(addr, port)}${ownerSuffix(addr, ctx)}` : port !== null ? `port ${port}` : null;
  switch (kind) {
    case 'dnat':
      return `rewrites the destination (DNAT) to ${to ?? '?'} and accepts the packet in this chain`;
    case 'snat':
      return `rewrites the source (SNAT) to ${to ?? '?'}`;
    case 'masquerade':
      return `rewrites the source to the outgoing interface's address (masquerade)${port ? `, ports ${port}` : ''}`;
    default:
      return `redirects the packet to this namespace${port ? ` on port ${port}` : ''} (redirect)`;
  }
}

/** One non-match statement in words; null when it only counts. */
function statementWords(s: NftJson, ctx: NftExplainContext): string | null {
  const k = kindOf(s);
  if (k === null) return `does \`${printStatement(s)}\` (not interpreted)`;
  const [kind, body] = k;
  const b = isObj(body) ? body : {};
  const verdict = verdictWords(s);
  if (verdict !== null) return verdict;
  switch (kind) {
    case 'counter':
      return null;
    case 'reject':
      return `rejects the packet (${str(b.type) === 'tcp reset' ? 'TCP reset' : printExpr(b.expr ?? 'port-unreachable')}): the sender is told at once`;
    case 'dnat':
    case 'snat':
    case 'masquerade':
    case 'redirect':
      return natWords(kind, b, ctx);
    case 'vmap': {
      const data = b.data ?? null;
      const named = typeof data === 'string' && data.startsWith('@') ? ctx.sets.get(data.slice(1)) : undefined;
      const n = mapEntries(data, ctx.sets)?.length ?? null;
      return `looks up ${printExpr(b.key ?? null)} in the verdict map ${named ? `@${named.name}` : printExpr(data)}${n !== null ? ` (${n} entr${n === 1 ? 'y' : 'ies'})` : ''} and takes the verdict of the entry found; with none the rule goes on`;
    }
    case 'mangle':
      return `sets ${printExpr(b.key ?? null)} to ${printExpr(b.value ?? null)}`;
    case 'log':
      return `logs the packet${str(b.prefix) ? ` with the prefix "${str(b.prefix)}"` : ''}`;
    case 'limit':
      return `only while under ${printStatement(s).replace(/^limit rate /, '')}`;
    case 'notrack':
      return 'exempts the packet from connection tracking (no NAT for it)';
    default:
      return `does \`${printStatement(s)}\` (not interpreted)`;
  }
}

/** The rule as one sentence: `If the input interface is not "docker0" and …: rewrites the destination to …`. */
export function explainNftRule(rule: NftRule, ctx: NftExplainContext): string {
  const conditions: string[] = [];
  const actions: string[] = [];
  for (const s of rule.expr) {
    const k = kindOf(s);
    if (k?.[0] === 'match' && isObj(k[1])) {
      conditions.push(matchWords(k[1], ctx) ?? `\`${printStatement(s)}\` (not interpreted)`);
      continue;
    }
    const words = statementWords(s, ctx);
    if (words !== null) actions.push(words);
  }
  const does = actions.length ? listWith(actions, 'and') : 'only counts the packet, then the next rule runs';
  const sentence = conditions.length ? `If ${listWith(conditions, 'and')}: ${does}.` : `Every packet here: ${does}.`;
  return rule.comment ? `${sentence} Comment: "${rule.comment}".` : sentence;
}
