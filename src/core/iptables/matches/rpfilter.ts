// `-m rpfilter`: reverse-path filtering in the firewall: would a reply to the source leave by the interface the packet
// came in on?
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';
import type { MatchGroup } from '../types';

const options = phraseReader({
  '--loose': () => null,
  '--validmark': () => ["(routing with the packet's mark)", "(routing with the packet's mark)"],
  '--accept-local': () => ['(local source addresses pass)', '(local source addresses pass)'],
  '--invert': () => null,
});

const rpfilter: MatchModule = {
  read(group: MatchGroup, reading) {
    const invert = group.options.some((o) => o.name === '--invert');
    const loose = group.options.some((o) => o.name === '--loose');
    const back = loose ? 'a route back through any interface' : 'its route back through the interface it came in on';
    reading.clauses.push(
      invert
        ? `whose source fails the reverse-path check (it has no ${back.replace(/^its /, '')})`
        : `whose source passes the reverse-path check (it has ${back})`,
    );
    options(group, reading);
  },
};
export default rpfilter;
