// `-m tos`: the IPv4 type-of-service field (or IPv6 traffic class).
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const tos: MatchModule = {
  read: phraseReader({
    '--tos': (t) => [`with TOS ${t}`, `with a TOS other than ${t}`],
  }),
};
export default tos;
