// `-m frag`: IPv6 fragment headers.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const frag: MatchModule = {
  read: phraseReader({
    '--fragid': (t) => [
      `with fragment id ${t.replace(':', '-')}`,
      `with a fragment id other than ${t.replace(':', '-')}`,
    ],
    '--fraglen': (t) => [`with fragment header length ${t}`, `with a fragment header length other than ${t}`],
    '--fragres': () => [`with the fragment reserved fields set`, `with the fragment reserved fields clear`],
    '--fragfirst': () => [`that are first fragments`, `that are not first fragments`],
    '--fragmore': () => [`with more fragments to follow`, `with no more fragments to follow`],
    '--fraglast': () => [`that are last fragments`, `that are not last fragments`],
  }),
};
export default frag;
