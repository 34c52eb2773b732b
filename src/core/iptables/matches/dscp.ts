// `-m dscp`: the DSCP bits of the TOS / traffic class field.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const dscp: MatchModule = {
  read: phraseReader({
    '--dscp': (t) => [`with DSCP ${t}`, `with a DSCP other than ${t}`],
    '--dscp-class': (t) => [`in DSCP class ${t}`, `not in DSCP class ${t}`],
  }),
};
export default dscp;
