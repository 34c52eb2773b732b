// `-m connlabel`: a label on the connection; not known from a snapshot.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const connlabel: MatchModule = {
  read: phraseReader({
    '--label': (t) => [`whose connection has label ${t}`, `whose connection does not have label ${t}`],
    '--set': () => [`(setting the label if missing)`, `(setting the label if missing)`],
  }),
};
export default connlabel;
