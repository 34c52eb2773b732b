// `-m helper`: connections a conntrack helper (ftp, sip…) expects.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const helper: MatchModule = {
  read: phraseReader({
    '--helper': (t) => [`expected by the conntrack helper ${t}`, `not expected by the conntrack helper ${t}`],
  }),
};
export default helper;
