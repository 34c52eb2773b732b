// `-m connlimit`: how many connections a source (or a whole prefix) has open.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const connlimit: MatchModule = {
  read: phraseReader({
    '--connlimit-upto': (t) => [
      `while the source has at most ${t} connections`,
      `while the source has more than ${t} connections`,
    ],
    '--connlimit-above': (t) => [
      `while the source has more than ${t} connections`,
      `while the source has at most ${t} connections`,
    ],
    '--connlimit-mask': (t) => [`(sources counted per /${t})`, `(sources counted per /${t})`],
    '--connlimit-saddr': () => null,
    '--connlimit-daddr': () => [`(counted per destination)`, `(counted per destination)`],
  }),
};
export default connlimit;
