// `-m recent`: a list of recently seen addresses, which rules add to and check.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const recent: MatchModule = {
  read: phraseReader({
    '--name': (t) => [`(recent list "${t}")`, `(recent list "${t}")`],
    '--set': () => [`adding the source to the recent list`, `adding the source to the recent list`],
    '--rcheck': () => [`whose source is on the recent list`, `whose source is not on the recent list`],
    '--update': () => [`whose source is on the recent list (refreshing it)`, `whose source is not on the recent list`],
    '--remove': () => [`whose source is on the recent list (removing it)`, `whose source is not on the recent list`],
    '--seconds': (t) => [`within the last ${t} seconds`, `within the last ${t} seconds`],
    '--hitcount': (t) => [`at least ${t} times`, `at least ${t} times`],
    '--reap': () => null,
    '--rttl': () => [`with the same TTL`, `with the same TTL`],
    '--rsource': () => null,
    '--rdest': () => [`(by destination)`, `(by destination)`],
    // iptables-save always prints the mask; all ones is the default and says nothing.
    '--mask': (t) =>
      /^(255\.255\.255\.255|(ffff:){7}ffff)$/.test(t)
        ? null
        : [`(addresses masked with ${t})`, `(addresses masked with ${t})`],
  }),
};
export default recent;
