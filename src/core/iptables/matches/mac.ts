// `-m mac --mac-source`: the sender's MAC address.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const mac: MatchModule = {
  read: phraseReader({ '--mac-source': (t) => [`from MAC address ${t}`, `from any MAC address except ${t}`] }),
};
export default mac;
