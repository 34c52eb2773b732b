// `-m string`: text or bytes in the payload.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const string: MatchModule = {
  read: phraseReader({
    '--string': (t) => [`containing the text "${t}"`, `not containing the text "${t}"`],
    '--hex-string': (t) => [`containing the bytes ${t}`, `not containing the bytes ${t}`],
    // How the string is searched, not what matches.
    '--algo': () => null,
  }),
};
export default string;
