// `-m hbh`: the IPv6 hop-by-hop options header.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const hbh: MatchModule = {
  read: phraseReader({
    '--hbh-len': (t) => [
      `with a hop-by-hop header of length ${t}`,
      `with a hop-by-hop header of another length than ${t}`,
    ],
    '--hbh-opts': (t) => [`with hop-by-hop options ${t}`, `without hop-by-hop options ${t}`],
  }),
};
export default hbh;
