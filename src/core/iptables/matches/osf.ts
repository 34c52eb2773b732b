// `-m osf`: the sender's operating system, guessed passively from its TCP SYN.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const osf: MatchModule = {
  read: phraseReader({
    '--genre': (t) => [`from an operating system fingerprinted as ${t}`, `from an operating system other than ${t}`],
    '--ttl': (t) => [`(TTL check level ${t})`, `(TTL check level ${t})`],
    '--log': () => null,
  }),
};
export default osf;
