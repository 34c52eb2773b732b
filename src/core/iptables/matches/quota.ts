// `-m quota`: until a byte quota is used up; not known from a snapshot.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const quota: MatchModule = {
  read: phraseReader({
    '--quota': (t) => [`while the rule's quota of ${t} bytes lasts`, `once the rule's quota of ${t} bytes is used up`],
  }),
};
export default quota;
