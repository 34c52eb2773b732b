// `-m realm`: the routing realm of the route the packet took.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const realm: MatchModule = {
  read: phraseReader({
    '--realm': (t) => [`routed through realm ${t}`, `routed through a realm other than ${t}`],
  }),
};
export default realm;
