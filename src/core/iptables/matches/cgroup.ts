// `-m cgroup`: the control group of the sending process; not known from a snapshot.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const cgroup: MatchModule = {
  read: phraseReader({
    '--path': (t) => [`sent by a process in cgroup ${t}`, `not sent by a process in cgroup ${t}`],
    '--cgroup': (t) => [`sent by a process in net_cls class ${t}`, `not sent by a process in net_cls class ${t}`],
  }),
};
export default cgroup;
