// `-m ipv6header`: which IPv6 extension headers the packet carries.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const ipv6header: MatchModule = {
  read: phraseReader({
    '--header': (t) => [`carrying the IPv6 headers ${t}`, `not carrying the IPv6 headers ${t}`],
    '--soft': () => [`(any of them)`, `(any of them)`],
  }),
};
export default ipv6header;
