// `-m multiport`: lists of source, destination or either ports.
import { negatable, notRead, portItems, value } from '../../explain/words';
import { portInSpec } from '../../net/ports';
import type { MatchModule } from '../module';

const multiport: MatchModule = {
  read(group, reading) {
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
  },
  miss(option, p) {
    const arg = value(option).replace(/:/g, '-');
    const not = option.negated ? '' : 'not ';
    if (option.name === '--dports' || option.name === '--destination-ports')
      return `destination port ${p.dport} is ${not}in ${arg}`;
    if (option.name === '--sports' || option.name === '--source-ports')
      return `source port ${p.sport} is ${not}in ${arg}`;
    return `neither port (${p.sport}, ${p.dport}) is in ${arg}`;
  },
  evaluate(option, p) {
    const arg = value(option);
    switch (option.name) {
      case '--dports':
      case '--destination-ports':
        return portInSpec(arg, p.dport);
      case '--sports':
      case '--source-ports':
        return portInSpec(arg, p.sport);
      case '--ports':
        return portInSpec(arg, p.dport) || portInSpec(arg, p.sport);
    }
    return undefined;
  },
};
export default multiport;
