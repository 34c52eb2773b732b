// `-m addrtype`: the kernel's address types (LOCAL, BROADCAST, MULTICAST, UNICAST) of source and destination.
import { negatable, notRead, value } from '../../explain/words';
import { isLoopback, parseCidr, parseIp } from '../../net/address';
import type { MatchEnv } from '../../trace/match';
import type { MatchModule } from '../module';

/** The kernel's address types, from the namespace's own addresses. */
export function addressType(ip: string, env: MatchEnv): string[] {
  const addr = parseIp(ip);
  if (addr === null) return [];
  if (isLoopback(ip)) return ['LOCAL'];
  for (const cidr of env.addresses) {
    const c = parseCidr(cidr);
    if (c === null || c.ip.v6 !== addr.v6) continue;
    if (c.ip.value === addr.value) return ['LOCAL'];
    if (!addr.v6 && c.prefix < 31) {
      const hostBits = BigInt(32 - c.prefix);
      const broadcast = ((c.ip.value >> hostBits) << hostBits) | ((1n << hostBits) - 1n);
      if (addr.value === broadcast) return ['BROADCAST'];
    }
  }
  if (!addr.v6 && addr.value >> 28n === 0xen) return ['MULTICAST'];
  if (addr.v6 && addr.value >> 120n === 0xffn) return ['MULTICAST'];
  if (!addr.v6 && addr.value === 0xffffffffn) return ['BROADCAST'];
  return ['UNICAST'];
}

const addrtype: MatchModule = {
  read(group, reading) {
    const incomingOnly = group.options.some((o) => o.name === '--limit-iface-in');
    const outgoingOnly = group.options.some((o) => o.name === '--limit-iface-out');
    for (const option of group.options) {
      if (option.name === '--src-type')
        reading.source.addressType = { ...negatable(option), incomingOnly, outgoingOnly };
      else if (option.name === '--dst-type')
        reading.destination.addressType = { ...negatable(option), incomingOnly, outgoingOnly };
      else if (option.name !== '--limit-iface-in' && option.name !== '--limit-iface-out')
        notRead(reading, group, option);
    }
  },
  miss(option, p, env) {
    const [field, ip] = option.name === '--src-type' ? ['source', p.src] : ['destination', p.dst];
    const types = addressType(ip, env).join(', ') || 'of no type';
    return option.negated
      ? `the ${field} ${ip} is ${types}, which the rule excludes`
      : `the ${field} ${ip} is ${types}, not ${value(option)}`;
  },
  evaluate(option, p, env) {
    const arg = value(option);
    if (option.name === '--dst-type') return arg.split(',').some((t) => addressType(p.dst, env).includes(t));
    if (option.name === '--src-type') return arg.split(',').some((t) => addressType(p.src, env).includes(t));
    if (option.name === '--limit-iface-in' || option.name === '--limit-iface-out') {
      return { assumed: true, why: `addrtype ${option.name} is evaluated over all interfaces` };
    }
    return undefined;
  },
};
export default addrtype;
