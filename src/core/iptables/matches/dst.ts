// `-m dst`: the IPv6 destination options header.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const dstMatch: MatchModule = {
  read: phraseReader({
    '--dst-len': (t) => [
      `with a destination options header of length ${t}`,
      `with a destination options header of another length than ${t}`,
    ],
    '--dst-opts': (t) => [`with destination options ${t}`, `without destination options ${t}`],
  }),
};
export default dstMatch;
