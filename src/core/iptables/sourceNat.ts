// Whether iptables rules source-NAT the traffic a namespace sends out through an interface: the topology's uplink
// label. Only rules whose conditions cover that traffic count: Docker's embedded-DNS `-s 127.0.0.11 … --sport 33900
// -j SNAT` in a container is not the container's source NAT.
import type { SourceNatRule } from '../rules/types';
import { inCidr, isLoopback, parseCidr } from '../net/address';
import { interfaceMatches } from '../net/iface';
import { findOption, jumpTargets } from './query';
import type { Rule, Table } from './types';
import { withoutCounters } from './print';

const PORT_OPTIONS = ['--sport', '--dport', '--sports', '--dports', '--ports'];

/** Whether the two prefixes share an address. */
function overlaps(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  if (x === null || y === null || x.ip.v6 !== y.ip.v6) return false;
  return x.prefix <= y.prefix ? inCidr(y.ip, x) : inCidr(x.ip, y);
}

/** A rule that rewrites the namespace's own traffic: no port condition, and a source (if any) it sends from. */
function coversOwnTraffic(rule: Rule, ownPrefixes: readonly string[]): boolean {
  if (rule.matches.some((g) => g.options.some((o) => PORT_OPTIONS.includes(o.name)))) return false;
  const source = findOption(rule, '-s', null);
  if (source === undefined || source.negated) return true;
  const spec = source.args[0] ?? '';
  if (isLoopback(spec.split('/')[0] ?? '')) return false;
  return ownPrefixes.some((own) => overlaps(spec, own));
}

/**
 * The first source-NAT rule reached from nat POSTROUTING that applies to traffic leaving by `dev` and covers the
 * traffic from `ownPrefixes` (the namespace's interface prefixes: its own and its attached networks').
 */
export function sourceNatOn(table: Table, dev: string, ownPrefixes: readonly string[]): SourceNatRule | null {
  const jumps = jumpTargets(table);
  const chains = new Map(table.chains.map((c) => [c.name, c]));
  const seen = new Set<string>();
  const queue = ['POSTROUTING'];
  while (queue.length) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    for (const rule of chains.get(name)?.rules ?? []) {
      const target = rule.target?.name;
      if (target !== 'MASQUERADE' && target !== 'SNAT') continue;
      const out = findOption(rule, '-o', null);
      const pattern = out?.args[0];
      if (out && pattern !== undefined && interfaceMatches(pattern, dev) === out.negated) continue;
      if (!coversOwnTraffic(rule, ownPrefixes)) continue;
      return { target, rule: withoutCounters(rule.text) };
    }
    queue.push(...(jumps.get(name) ?? []));
  }
  return null;
}
