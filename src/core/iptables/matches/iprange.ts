// `-m iprange`: source or destination in an address range.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const iprange: MatchModule = {
  read: phraseReader({
    '--src-range': (t) => [`from an address in ${t}`, `from an address outside ${t}`],
    '--dst-range': (t) => [`to an address in ${t}`, `to an address outside ${t}`],
  }),
};
export default iprange;
