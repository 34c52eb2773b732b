// `-m owner`: the user or group of the local process that sent the packet.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const owner: MatchModule = {
  read: phraseReader({
    '--uid-owner': (t) => [`sent by user ${t}`, `not sent by user ${t}`],
    '--gid-owner': (t) => [`sent by group ${t}`, `not sent by group ${t}`],
  }),
};
export default owner;
