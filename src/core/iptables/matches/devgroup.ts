// `-m devgroup`: the interface groups the packet comes in or goes out by.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const devgroup: MatchModule = {
  read: phraseReader({
    '--src-group': (t) => [`arriving on an interface of group ${t}`, `arriving on an interface outside group ${t}`],
    '--dst-group': (t) => [`leaving by an interface of group ${t}`, `leaving by an interface outside group ${t}`],
  }),
};
export default devgroup;
