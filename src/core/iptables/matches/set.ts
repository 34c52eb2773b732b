// `-m set --match-set`: membership of an address (or tuple) in an ipset.
import { notRead, value } from '../../explain/words';
import type { MatchModule } from '../module';

const set: MatchModule = {
  read(group, reading) {
    for (const option of group.options) {
      if (option.name !== '--match-set') {
        notRead(reading, group, option);
        continue;
      }
      const parts = value(option, 1)
        .split(',')
        .map((flag) => (flag === 'src' ? 'source' : flag === 'dst' ? 'destination' : flag));
      const what = parts.length > 1 ? `(${parts.join(', ')})` : parts[0];
      reading.clauses.push(`whose ${what} is ${option.negated ? 'not ' : ''}in IP set ${value(option)}`);
    }
  },
};
export default set;
