// `-m ipcomp`: the compression parameter index of IPComp packets.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const ipcomp: MatchModule = {
  read: phraseReader({
    '--ipcompspi': (t) => [
      `with IPComp index ${t.replace(':', ' to ')}`,
      `with an IPComp index other than ${t.replace(':', ' to ')}`,
    ],
    '--compres': () => ['(with the reserved field set)', '(with the reserved field set)'],
  }),
};
export default ipcomp;
