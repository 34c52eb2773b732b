// `-m rt`: the IPv6 routing header.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const rt: MatchModule = {
  read: phraseReader({
    '--rt-type': (t) => [`with routing header type ${t}`, `with a routing header type other than ${t}`],
    '--rt-segsleft': (t) => [
      `with ${t.replace(':', '-')} segments left`,
      `with other than ${t.replace(':', '-')} segments left`,
    ],
    '--rt-len': (t) => [`with a routing header of length ${t}`, `with a routing header of another length than ${t}`],
    '--rt-0-res': () => [`with the type 0 reserved field set`, `with the type 0 reserved field clear`],
    '--rt-0-addrs': (t) => [`routed through ${t}`, `not routed through ${t}`],
    '--rt-0-not-strict': () => null,
  }),
};
export default rt;
