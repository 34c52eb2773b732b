// Evaluates one rule's matches against a packet: addresses, interfaces, protocol, ports, addrtype, conntrack,
// statistic.
import type { Rule, RuleOption } from '../iptables/types';
import { inCidr, isLoopback, parseCidr, parseIp } from './addr';
import type { Packet } from './packet';

/** What the namespace knows that matches need. */
export interface MatchEnv {
  /** Every address of the namespace (CIDR form), loopback included. */
  addresses: string[];
  hook: string;
}

export interface MatchOutcome {
  matched: boolean;
  /** Matches that could not be evaluated, with the assumption made (only when they decided the outcome). */
  assumptions: string[];
  /** Set when the rule has a `statistic` match and everything else matched: the chain walker branches here. */
  statistic: { probability: number; text: string } | null;
}

/** `final`: the assumed value already includes the option's negation (the whole option is assumed). */
type OptionResult = true | false | { assumed: boolean; why: string; final?: boolean };

const PROTOCOL_NUMBERS: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'ipv6-icmp' };

export function interfaceMatches(pattern: string, name: string | null): boolean {
  if (name === null) return false;
  return pattern.endsWith('+') ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}

function portInSpec(spec: string, port: number): boolean {
  return spec.split(',').some((part) => {
    const [lo, hi] = part.split(':');
    const low = lo === '' || lo === undefined ? 0 : Number(lo);
    const high = hi === undefined ? low : hi === '' ? 65535 : Number(hi);
    return port >= low && port <= high;
  });
}

function addressMatches(spec: string, ip: string): boolean {
  // iptables-save prints one address per rule, but `-s a,b` is accepted on the command line.
  return spec.split(',').some((one) => {
    const cidr = parseCidr(one);
    const addr = parseIp(ip);
    return cidr !== null && addr !== null && inCidr(addr, cidr);
  });
}

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

function evalOption(module: string | null, o: RuleOption, p: Packet, env: MatchEnv): OptionResult {
  const arg = o.args[0] ?? '';
  const name = o.name;
  if (module === null || module === 'tcp' || module === 'udp') {
    switch (name) {
      case '-s':
      case '--source':
        return addressMatches(arg, p.src);
      case '-d':
      case '--destination':
        return addressMatches(arg, p.dst);
      case '-p':
      case '--protocol': {
        const proto = PROTOCOL_NUMBERS[arg] ?? arg.toLowerCase();
        return proto === 'all' || proto === '0' || proto === p.protocol;
      }
      case '-i':
      case '--in-interface':
        return interfaceMatches(arg, p.inIface);
      case '-o':
      case '--out-interface':
        return interfaceMatches(arg, p.outIface);
      case '-f':
      case '--fragment':
        return false; // the first packet of a connection is never a later fragment
      case '--dport':
      case '--destination-port':
        return module === p.protocol && portInSpec(arg, p.dport);
      case '--sport':
      case '--source-port':
        return module === p.protocol && portInSpec(arg, p.sport);
      case '--syn':
        return p.protocol === 'tcp' && p.ctstate === 'NEW';
      case '--tcp-flags': {
        // The first packet is a bare SYN; the first reply a SYN-ACK.
        const set = p.ctstate === 'NEW' ? ['SYN'] : ['SYN', 'ACK'];
        const mask = arg === 'ALL' ? ['SYN', 'ACK', 'FIN', 'RST', 'URG', 'PSH'] : arg.split(',');
        const want = (o.args[1] ?? '') === 'NONE' ? [] : (o.args[1] ?? '').split(',');
        return mask.every((f) => set.includes(f) === want.includes(f));
      }
    }
  }
  switch (module) {
    case 'comment':
      return true;
    case 'multiport': {
      if (name === '--dports' || name === '--destination-ports') return portInSpec(arg, p.dport);
      if (name === '--sports' || name === '--source-ports') return portInSpec(arg, p.sport);
      if (name === '--ports') return portInSpec(arg, p.dport) || portInSpec(arg, p.sport);
      break;
    }
    case 'addrtype': {
      if (name === '--dst-type') return arg.split(',').some((t) => addressType(p.dst, env).includes(t));
      if (name === '--src-type') return arg.split(',').some((t) => addressType(p.src, env).includes(t));
      if (name === '--limit-iface-in' || name === '--limit-iface-out') {
        return { assumed: true, why: `addrtype ${name} is evaluated over all interfaces` };
      }
      break;
    }
    case 'conntrack':
    case 'state': {
      if (name === '--ctstate' || name === '--state') return arg.split(',').includes(p.ctstate);
      if (name === '--ctstatus') {
        return { assumed: false, final: true, why: `conntrack --ctstatus ${arg} is not tracked; assumed not to match` };
      }
      break;
    }
    case 'mark': {
      if (name === '--mark') {
        const [v = '0', m = '0xffffffff'] = arg.split('/');
        const matched = (p.mark & Number(m)) === Number(v);
        return {
          assumed: matched,
          why: `mark ${arg}: the packet's mark is taken as 0x${p.mark.toString(16)} (only MARK rules on this path change it)`,
        };
      }
      break;
    }
    case 'physdev': {
      const b = p.bridged;
      if (name === '--physdev-is-bridged') return b !== null;
      if (name === '--physdev-in') return b !== null && interfaceMatches(arg, b.inPort);
      if (name === '--physdev-out') return b !== null && interfaceMatches(arg, b.outPort);
      if (name === '--physdev-is-in' || name === '--physdev-is-out') return b !== null;
      break;
    }
    case 'icmp':
    case 'icmp6':
    case 'icmpv6':
      return false; // the trace follows TCP and UDP only
    case 'limit':
      return { assumed: true, why: `limit ${arg}: assumed under the limit (the first packet)` };
  }
  return {
    assumed: false,
    final: true,
    why:
      `${module === null ? '' : `-m ${module} `}${o.negated ? '! ' : ''}${name} ${o.args.join(' ')}`.trim() +
      ': cannot be evaluated here; assumed not to match',
  };
}

export function evaluateRule(rule: Rule, p: Packet, env: MatchEnv): MatchOutcome {
  const assumptions: string[] = [];
  let statistic: MatchOutcome['statistic'] = null;
  for (const group of rule.matches) {
    if (group.module === 'statistic') {
      const mode = group.options.find((o) => o.name === '--mode')?.args[0];
      const prob = group.options.find((o) => o.name === '--probability');
      const every = group.options.find((o) => o.name === '--every');
      let probability = 1;
      if (mode === 'random' && prob) probability = Number(prob.args[0]);
      else if (mode === 'nth' && every) probability = 1 / Number(every.args[0]);
      const negated = (prob ?? every)?.negated ?? false;
      if (negated) probability = 1 - probability;
      statistic = {
        probability,
        text: `statistic ${mode ?? ''} ${prob ? `probability ${prob.args[0]}` : every ? `every ${every.args[0]}` : ''}`.trim(),
      };
      continue;
    }
    for (const option of group.options) {
      const r = evalOption(group.module, option, p, env);
      if (r === true || r === false) {
        if (r === option.negated) return { matched: false, assumptions: [], statistic: null };
        continue;
      }
      assumptions.push(r.why);
      const value = r.final ? r.assumed : r.assumed !== option.negated;
      if (!value) return { matched: false, assumptions, statistic: null };
    }
  }
  return { matched: true, assumptions, statistic };
}
