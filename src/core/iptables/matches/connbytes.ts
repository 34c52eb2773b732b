// `-m connbytes`: how much a connection has transferred so far.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const connbytes: MatchModule = {
  read: phraseReader({
    '--connbytes': (t) => [
      `once the connection has transferred ${t.replace(':', '-')}`,
      `unless the connection has transferred ${t.replace(':', '-')}`,
    ],
    '--connbytes-dir': (t) => [`(counted in the ${t} direction)`, `(counted in the ${t} direction)`],
    '--connbytes-mode': (t) => [`(in ${t})`, `(in ${t})`],
  }),
};
export default connbytes;
