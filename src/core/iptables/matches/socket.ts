// `-m socket`: whether a local socket already owns the packet (transparent proxies); not known from a snapshot.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const socket: MatchModule = {
  read: phraseReader({
    '--transparent': () => [`owned by a transparent socket`, `not owned by a transparent socket`],
    '--nowildcard': () => [
      `(not counting sockets bound to every address)`,
      `(not counting sockets bound to every address)`,
    ],
    '--restore-skmark': () => [
      `(copying the socket's mark to the packet)`,
      `(copying the socket's mark to the packet)`,
    ],
  }),
};
export default socket;
