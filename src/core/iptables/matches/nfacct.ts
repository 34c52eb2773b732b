// `-m nfacct`: counts the packet in an accounting object (always matches).
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const nfacct: MatchModule = {
  // It only counts: every packet matches.
  evaluate: () => true,
  read: phraseReader({
    '--nfacct-name': (t) => [`(counted in accounting object ${t})`, `(counted in accounting object ${t})`],
  }),
};
export default nfacct;
