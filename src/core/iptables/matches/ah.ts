// `-m ah`: IPsec authentication headers by SPI.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const ah: MatchModule = {
  read: phraseReader({
    '--ahspi': (t) => [`with AH SPI ${t.replace(':', '-')}`, `with an AH SPI other than ${t.replace(':', '-')}`],
    '--ahlen': (t) => [`with AH length ${t}`, `with an AH length other than ${t}`],
    '--ahres': () => [`with the AH reserved field set`, `with the AH reserved field clear`],
  }),
};
export default ah;
