// `-m cpu`: the CPU handling the packet; not known from a snapshot.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const cpuMatch: MatchModule = {
  read: phraseReader({
    '--cpu': (t) => [`handled on CPU ${t}`, `handled on a CPU other than ${t}`],
  }),
};
export default cpuMatch;
