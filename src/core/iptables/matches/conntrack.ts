// `-m conntrack`: the connection's state; the older `-m state` reads and evaluates the same way.
import { listWith, notRead, value } from '../../explain/words';
import type { MatchModule } from '../module';

const conntrack: MatchModule = {
  read(group, reading) {
    for (const option of group.options) {
      if (option.name === '--ctstate' || option.name === '--state') {
        const states = listWith(value(option).split(','), 'or');
        reading.clauses.push(option.negated ? `not in connection state ${states}` : `in connection state ${states}`);
      } else {
        notRead(reading, group, option);
      }
    }
  },
  evaluate(option, p) {
    const arg = value(option);
    if (option.name === '--ctstate' || option.name === '--state') return arg.split(',').includes(p.ctstate);
    if (option.name === '--ctstatus') {
      return { assumed: false, final: true, why: `conntrack --ctstatus ${arg} is not tracked; assumed not to match` };
    }
    return undefined;
  },
};
export default conntrack;
