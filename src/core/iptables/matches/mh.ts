// `-m mh`: IPv6 mobility headers.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const mh: MatchModule = {
  read: phraseReader({
    '--mh-type': (t) => [`with mobility header type ${t}`, `with a mobility header type other than ${t}`],
  }),
};
export default mh;
