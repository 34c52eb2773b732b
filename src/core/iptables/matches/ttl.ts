// `-m ttl`: the IPv4 time to live.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const ttl: MatchModule = {
  read: phraseReader({
    '--ttl-eq': (t) => [`with TTL ${t}`, `with a TTL other than ${t}`],
    '--ttl-lt': (t) => [`with TTL below ${t}`, `with TTL of at least ${t}`],
    '--ttl-gt': (t) => [`with TTL above ${t}`, `with TTL of at most ${t}`],
  }),
};
export default ttl;
