// `-m esp`: IPsec ESP packets by SPI.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const esp: MatchModule = {
  read: phraseReader({
    '--espspi': (t) => [`with ESP SPI ${t.replace(':', '-')}`, `with an ESP SPI other than ${t.replace(':', '-')}`],
  }),
};
export default esp;
