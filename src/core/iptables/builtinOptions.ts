// The options every rule may have without `-m`: -s -d -p -i -o -f. Read and evaluated like a module of their own.
import { interfacePhrase, negatable, notRead, value } from '../explain/words';
import { inPrefixes } from '../net/address';
import { interfaceMatches } from '../net/iface';
import type { MatchModule } from './module';

const PROTOCOL_NUMBERS: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'ipv6-icmp' };

export const builtinOptions: MatchModule = {
  read(group, reading) {
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
          reading.clauses.push(
            option.negated ? 'in unfragmented packets or first fragments' : 'in non-first fragments',
          );
          break;
        default:
          notRead(reading, group, option);
      }
    }
  },
  miss(option, p) {
    const arg = value(option);
    const not = option.negated;
    switch (option.name) {
      case '-s':
      case '--source':
      case '-d':
      case '--destination': {
        const [field, ip] =
          option.name.startsWith('-s') || option.name === '--source' ? ['source', p.src] : ['destination', p.dst];
        return `${field} ${ip} is ${not ? '' : 'not '}in ${arg}`;
      }
      case '-p':
      case '--protocol':
        return not
          ? `the protocol is ${p.protocol}, which the rule excludes`
          : `the protocol is ${p.protocol}, not ${arg}`;
      case '-i':
      case '--in-interface':
        if (p.inIface === null) return 'the packet was sent by this namespace: it arrived on no interface';
        return not
          ? `it arrived on ${p.inIface}, which the rule excludes (${arg})`
          : `it arrived on ${p.inIface}, not ${arg}`;
      case '-o':
      case '--out-interface':
        if (p.outIface === null) return 'the packet leaves through no interface here';
        return not
          ? `it leaves through ${p.outIface}, which the rule excludes (${arg})`
          : `it leaves through ${p.outIface}, not ${arg}`;
      case '-f':
      case '--fragment':
        return 'the first packet of a connection is not a later fragment';
    }
    return undefined;
  },
  evaluate(option, p) {
    const arg = value(option);
    switch (option.name) {
      case '-s':
      case '--source':
        return inPrefixes(p.src, arg);
      case '-d':
      case '--destination':
        return inPrefixes(p.dst, arg);
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
    }
    return undefined;
  },
};
