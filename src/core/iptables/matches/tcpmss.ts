// `-m tcpmss`: the MSS option of a TCP SYN.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const tcpmss: MatchModule = {
  read: phraseReader({
    '--mss': (t) => [
      `whose TCP MSS option is ${t.replace(':', ' to ')}`,
      `whose TCP MSS option is not ${t.replace(':', ' to ')}`,
    ],
  }),
};
export default tcpmss;
