// `-j HL`: sets the IPv6 hop limit, and the walk goes on.
import { CONTINUES, targetValue } from '../../explain/words';
import { continuing } from '../continuing';

export default continuing(
  (rule) =>
    `${(() => {
      const set = targetValue(rule, '--hl-set');
      const dec = targetValue(rule, '--hl-dec');
      const inc = targetValue(rule, '--hl-inc');
      return set !== undefined
        ? `has its hop limit set to ${set}`
        : dec !== undefined
          ? `has its hop limit decreased by ${dec}`
          : inc !== undefined
            ? `has its hop limit increased by ${inc}`
            : 'has its hop limit changed';
    })()}, ${CONTINUES}`,
);
