// `-m ecn`: Explicit Congestion Notification bits of the TCP and IP headers.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const ecn: MatchModule = {
  read: phraseReader({
    '--ecn-tcp-cwr': () => ['with the TCP CWR flag set', 'without the TCP CWR flag'],
    '--ecn-tcp-ece': () => ['with the TCP ECE flag set', 'without the TCP ECE flag'],
    '--ecn-ip-ect': (t) => [`with the IP ECN field ${t}`, `with an IP ECN field other than ${t}`],
  }),
};
export default ecn;
