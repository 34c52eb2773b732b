// `-j TOS`: sets the type-of-service bits, and the walk goes on.
import { CONTINUES, targetValue } from '../../explain/words';
import { continuing } from '../continuing';

export default continuing(
  (rule) =>
    `${(() => {
      const set = targetValue(rule, '--set-tos');
      if (set !== undefined) return `has its TOS set to ${set}`;
      for (const [opt, verb] of [
        ['--and-tos', 'ANDed with'],
        ['--or-tos', 'ORed with'],
        ['--xor-tos', 'XORed with'],
      ] as const) {
        const v = targetValue(rule, opt);
        if (v !== undefined) return `has its TOS ${verb} ${v}`;
      }
      return 'has its TOS changed';
    })()}, ${CONTINUES}`,
);
