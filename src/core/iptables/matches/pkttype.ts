// `-m pkttype`: unicast, broadcast or multicast at the link layer.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const pkttype: MatchModule = {
  read: phraseReader({
    '--pkt-type': (t) => [`sent as ${t} frames`, `not sent as ${t} frames`],
  }),
};
export default pkttype;
