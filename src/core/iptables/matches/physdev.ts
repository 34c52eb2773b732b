// `-m physdev`: the bridge ports a bridged frame (br_netfilter) came in on and goes out through.
import { interfacePhrase, notRead } from '../../explain/words';
import { interfaceMatches } from '../../net/iface';
import type { MatchModule } from '../module';

const physdev: MatchModule = {
  read(group, reading) {
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
  },
  miss(option, p) {
    if (p.bridged === null && option.name === '--physdev-in' && p.physIn)
      return `it came in through bridge port ${p.physIn}, not ${option.args[0] ?? ''}`;
    if (p.bridged === null) return option.negated ? undefined : 'the packet is routed, not bridged';
    return undefined;
  },
  evaluate(option, p) {
    const b = p.bridged;
    const arg = option.args[0] ?? '';
    switch (option.name) {
      case '--physdev-is-bridged':
        return b !== null;
      case '--physdev-in': {
        const port = b?.inPort ?? p.physIn ?? null;
        return port !== null && interfaceMatches(arg, port);
      }
      case '--physdev-out':
        return b !== null && interfaceMatches(arg, b.outPort);
      case '--physdev-is-in':
        return b !== null || (p.physIn ?? null) !== null;
      case '--physdev-is-out':
        return b !== null;
    }
    return undefined;
  },
};
export default physdev;
