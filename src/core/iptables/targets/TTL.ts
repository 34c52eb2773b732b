// `-j TTL`: sets the IPv4 time to live, and the walk goes on.
import { CONTINUES, targetValue } from '../../explain/words';
import { continuing } from '../continuing';

export default continuing(
  (rule) =>
    `${(() => {
      const set = targetValue(rule, '--ttl-set');
      const dec = targetValue(rule, '--ttl-dec');
      const inc = targetValue(rule, '--ttl-inc');
      return set !== undefined
        ? `has its TTL set to ${set}`
        : dec !== undefined
          ? `has its TTL decreased by ${dec}`
          : inc !== undefined
            ? `has its TTL increased by ${inc}`
            : 'has its TTL changed';
    })()}, ${CONTINUES}`,
);
