// `-m conntrack`: the connection's state, its two tuples (original and reply) and direction; the older `-m state`
// reads and evaluates the same way. The trace knows the connection from its own NAT records (MatchEnv.connection).
import { listWith, notRead, value } from '../../explain/words';
import { inPrefixes, sameIp } from '../../net/address';
import { portInSpec } from '../../net/ports';
import { connectionOfPacket, ctState, type Tuple } from '../../trace/packet';
import type { MatchModule } from '../module';

const PROTOCOLS: Record<string, string> = { '6': 'tcp', '17': 'udp' };

/** Options naming an address of one tuple: `--ctorigdst 10.0.0.1[/mask]`. */
const ADDRESSES: Record<string, (o: Tuple, r: Tuple) => string> = {
  '--ctorigsrc': (o) => o.src,
  '--ctorigdst': (o) => o.dst,
  '--ctreplsrc': (_o, r) => r.src,
  '--ctrepldst': (_o, r) => r.dst,
};
/** Options naming a port (or `a:b` range) of one tuple. */
const PORTS: Record<string, (o: Tuple, r: Tuple) => number> = {
  '--ctorigsrcport': (o) => o.sport,
  '--ctorigdstport': (o) => o.dport,
  '--ctreplsrcport': (_o, r) => r.sport,
  '--ctrepldstport': (_o, r) => r.dport,
};

/** The tuple options in words: [when it holds, when negated]. */
const WORDS: Record<string, (text: string) => [string, string]> = {
  '--ctorigsrc': (t) => [`whose connection came from ${t}`, `whose connection did not come from ${t}`],
  '--ctorigdst': (t) => [
    `whose connection was addressed to ${t} (before any DNAT)`,
    `whose connection was not addressed to ${t} (before any DNAT)`,
  ],
  '--ctorigsrcport': (t) => [
    `whose connection came from port ${t}`,
    `whose connection came from a port other than ${t}`,
  ],
  '--ctorigdstport': (t) => [
    `whose connection was addressed to port ${t} (before any DNAT)`,
    `whose connection was addressed to a port other than ${t} (before any DNAT)`,
  ],
  '--ctreplsrc': (t) => [`whose replies come from ${t} (after DNAT)`, `whose replies do not come from ${t}`],
  '--ctrepldst': (t) => [`whose replies go to ${t} (after SNAT)`, `whose replies do not go to ${t}`],
  '--ctreplsrcport': (t) => [`whose replies come from port ${t}`, `whose replies come from a port other than ${t}`],
  '--ctrepldstport': (t) => [`whose replies go to port ${t}`, `whose replies go to a port other than ${t}`],
  '--ctdir': (t) => {
    const original = t.toUpperCase() === 'ORIGINAL';
    const [yes, no] = original ? ['original', 'reply'] : ['reply', 'original'];
    return [`in the connection's ${yes} direction`, `in the connection's ${no} direction`];
  },
  '--ctproto': (t) => [`whose connection is ${t.toUpperCase()}`, `whose connection is not ${t.toUpperCase()}`],
};

const conntrack: MatchModule = {
  read(group, reading) {
    for (const option of group.options) {
      const text = value(option);
      const words = WORDS[option.name];
      if (option.name === '--ctstate' || option.name === '--state') {
        const states = listWith(text.split(','), 'or');
        reading.clauses.push(option.negated ? `not in connection state ${states}` : `in connection state ${states}`);
      } else if (words !== undefined && Object.hasOwn(WORDS, option.name)) {
        const [yes, no] = words(text.replace(':', '-'));
        reading.clauses.push(option.negated ? no : yes);
      } else {
        notRead(reading, group, option);
      }
    }
  },
  miss(option, p) {
    if (option.name === '--ctstate' || option.name === '--state')
      return option.negated
        ? `the connection is ${ctState(p)}, which the rule excludes`
        : `the connection is ${ctState(p)}, not ${value(option).split(',').join(' or ')}`;
    if (p.untracked) return `the packet is untracked: conntrack holds no entry for ${option.name} to compare`;
    return undefined;
  },
  evaluate(option, p, env) {
    const arg = value(option);
    // An untracked packet has only its state; every other conntrack field is missing, and so never matches.
    if (p.untracked)
      return (option.name === '--ctstate' || option.name === '--state') && arg.split(',').includes('UNTRACKED');
    const c = env.connection ?? connectionOfPacket(p);
    const { original: o, reply: r } = c;
    switch (option.name) {
      case '--ctstate':
      case '--state': {
        const states = arg.split(',');
        // DNAT and SNAT are conntrack's virtual states: the reply tuple does not mirror the original.
        const dnat = !sameIp(o.dst, r.src) || o.dport !== r.sport;
        const snat = !sameIp(o.src, r.dst) || o.sport !== r.dport;
        return states.includes(p.ctstate) || (states.includes('DNAT') && dnat) || (states.includes('SNAT') && snat);
      }
      case '--ctdir':
        return arg.toUpperCase() === c.direction;
      case '--ctproto':
        return (PROTOCOLS[arg] ?? arg.toLowerCase()) === p.protocol;
      case '--ctstatus':
        return { assumed: false, final: true, why: `conntrack --ctstatus ${arg} is not tracked; assumed not to match` };
    }
    const address = ADDRESSES[option.name];
    if (address !== undefined && Object.hasOwn(ADDRESSES, option.name)) return inPrefixes(address(o, r), arg);
    const port = PORTS[option.name];
    if (port !== undefined && Object.hasOwn(PORTS, option.name)) return portInSpec(arg, port(o, r));
    return undefined;
  },
};
export default conntrack;
