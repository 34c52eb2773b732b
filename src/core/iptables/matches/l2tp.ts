// `-m l2tp`: L2TP tunnel and session ids, packet type and protocol version.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const l2tp: MatchModule = {
  read: phraseReader({
    '--tid': (t) => [`of L2TP tunnel ${t}`, `not of L2TP tunnel ${t}`],
    '--sid': (t) => [`of L2TP session ${t}`, `not of L2TP session ${t}`],
    '--type': (t) => [`of L2TP ${t} packets`, `not of L2TP ${t} packets`],
    '--pversion': (t) => [`of L2TP version ${t}`, `not of L2TP version ${t}`],
  }),
};
export default l2tp;
