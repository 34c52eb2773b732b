// `-j DSCP`: sets the DSCP bits, and the walk goes on.
import { CONTINUES, targetValue } from '../../explain/words';
import { continuing } from '../continuing';

export default continuing(
  (rule) =>
    `${(() => {
      const v = targetValue(rule, '--set-dscp');
      const c = targetValue(rule, '--set-dscp-class');
      return v !== undefined
        ? `has its DSCP set to ${v}`
        : c !== undefined
          ? `has its DSCP set to class ${c}`
          : 'has its DSCP changed';
    })()}, ${CONTINUES}`,
);
