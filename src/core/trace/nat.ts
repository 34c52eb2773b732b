// Address translation as the trace applies it: the new address and port a DNAT or SNAT picks, and the record the
// reply is un-NATed from.
import { parseToDestination } from '../portMappings';
import { addToIp, parseIp } from '../net/address';
import type { TargetCall } from './chains';
import { packetText } from './packet';

/**
 * The port NAT picks from `lo-hi`: the original when it lies in the range (nf_nat's unique-tuple search starts there),
 * else the range's first. A shifted range `lo-hi/base` (iptables 1.8+) maps by offset: lo + (port - base) mod size.
 */
export function portInRange(range: string, port: number): number {
  const [span = '', baseText] = range.split('/');
  const [lo = 0, hi = lo] = span.split('-').map(Number);
  if (baseText !== undefined) {
    const size = hi - lo + 1;
    const offset = (((port - Number(baseText)) % 65536) + 65536) % 65536;
    return lo + (offset % size);
  }
  return port >= lo && port <= hi ? port : lo;
}

/** The first address of `a` or `a-b`. */
function firstAddress(text: string): string | null {
  const first = text.split('-')[0] ?? '';
  const ip = parseIp(first);
  return ip === null ? null : addToIp(ip, 0n);
}

/** `--to-destination` / `--to-source` applied to one end of the packet. */
export function translate(to: string, end: { ip: string; port: number }): { ip: string; port: number } {
  const parsed = parseToDestination(to);
  const ip = firstAddress(parsed.ip);
  return { ip: ip ?? end.ip, port: parsed.port !== null ? portInRange(parsed.port, end.port) : end.port };
}

/** Records a destination rewrite done by `name` (DNAT, REDIRECT) and says it; the table's walk ends there. */
export function destinationRewritten(call: TargetCall, from: { ip: string; port: number }): { kind: 'accept' } {
  const { ctx, packet: p } = call;
  ctx.nat.push({ namespace: ctx.namespace, kind: 'dnat', from, to: { ip: p.dst, port: p.dport } });
  call.say(`${call.rule.target?.name}: destination rewritten to ${packetText(p).split(' → ')[1] ?? ''}`, 'nat');
  return { kind: 'accept' };
}

/** Records a source rewrite done by `name` (SNAT, MASQUERADE) and says it; the table's walk ends there. */
export function sourceRewritten(call: TargetCall, from: { ip: string; port: number }): { kind: 'accept' } {
  const { ctx, packet: p } = call;
  ctx.nat.push({ namespace: ctx.namespace, kind: 'snat', from, to: { ip: p.src, port: p.sport } });
  call.say(`${call.rule.target?.name}: source rewritten to ${packetText(p).split(' ')[1] ?? ''}`, 'nat');
  return { kind: 'accept' };
}
