// `-m icmp --icmp-type`: ICMP message types; the trace follows TCP and UDP, so ICMP matches never match there.
import { notRead, value } from '../../explain/words';
import type { MatchModule } from '../module';

const ICMP_TYPES = new Map([
  ['0', 'echo-reply'],
  ['3', 'destination-unreachable'],
  ['8', 'echo-request'],
  ['11', 'time-exceeded'],
]);

const icmp: MatchModule = {
  read(group, reading) {
    for (const option of group.options) {
      if (option.name !== '--icmp-type' && option.name !== '--icmpv6-type') {
        notRead(reading, group, option);
        continue;
      }
      const type = value(option);
      const named = ICMP_TYPES.has(type) && option.name === '--icmp-type' ? `${type} (${ICMP_TYPES.get(type)})` : type;
      reading.clauses.push(option.negated ? `of any type except ${named}` : `of type ${named}`);
    }
  },
  evaluate: () => false,
};
export default icmp;
