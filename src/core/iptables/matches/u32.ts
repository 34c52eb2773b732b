// `-m u32`: tests on raw 32-bit words of the packet; quoted as written, not decoded.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const u32: MatchModule = {
  read: phraseReader({
    '--u32': (t) => [`whose raw bytes pass the u32 test ${t}`, `whose raw bytes fail the u32 test ${t}`],
  }),
};
export default u32;
