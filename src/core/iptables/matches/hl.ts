// `-m hl`: the IPv6 hop limit.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const hl: MatchModule = {
  read: phraseReader({
    '--hl-eq': (t) => [`with hop limit ${t}`, `with a hop limit other than ${t}`],
    '--hl-lt': (t) => [`with hop limit below ${t}`, `with hop limit of at least ${t}`],
    '--hl-gt': (t) => [`with hop limit above ${t}`, `with hop limit of at most ${t}`],
  }),
};
export default hl;
