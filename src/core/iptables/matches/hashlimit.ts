// `-m hashlimit`: a rate limit kept per source or destination (a hash table); not known from a snapshot.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const hashlimit: MatchModule = {
  read: phraseReader({
    '--hashlimit-upto': (t) => [`at up to ${t} per group`, `beyond ${t} per group`],
    '--hashlimit-above': (t) => [`beyond ${t} per group`, `at up to ${t} per group`],
    '--hashlimit-burst': (t) => [`with bursts of ${t}`, `with bursts of ${t}`],
    '--hashlimit-mode': (t) => [`grouped by ${t.split(',').join(' and ')}`, `grouped by ${t.split(',').join(' and ')}`],
    '--hashlimit-name': (t) => [`(limit table ${t})`, `(limit table ${t})`],
    '--hashlimit-srcmask': (t) => [`sources grouped by /${t}`, `sources grouped by /${t}`],
    '--hashlimit-dstmask': (t) => [`destinations grouped by /${t}`, `destinations grouped by /${t}`],
    '--hashlimit-htable-size': () => null,
    '--hashlimit-htable-max': () => null,
    '--hashlimit-htable-expire': () => null,
    '--hashlimit-htable-gcinterval': () => null,
    '--hashlimit-rate-match': () => null,
    '--hashlimit-rate-interval': () => null,
  }),
};
export default hashlimit;
