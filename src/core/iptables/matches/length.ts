// `-m length`: the packet's length in bytes.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const length: MatchModule = {
  read: phraseReader({
    '--length': (t) => [`of length ${t.replace(':', '-')} bytes`, `of any length except ${t.replace(':', '-')} bytes`],
  }),
};
export default length;
