// `-m comment`: text for people; it always matches.
import { notRead, value } from '../../explain/words';
import type { MatchModule } from '../module';

const comment: MatchModule = {
  read(group, reading) {
    for (const option of group.options) {
      if (option.name === '--comment') {
        if (value(option) !== '') reading.comments.push(value(option));
      } else {
        notRead(reading, group, option);
      }
    }
  },
  evaluate: () => true,
};
export default comment;
