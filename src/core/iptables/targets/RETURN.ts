// `-j RETURN`: back to the calling chain; in a built-in chain, the chain's policy decides.
import { BUILTIN_CHAINS } from '../../explain/words';
import type { TargetModule } from '../module';

const ret: TargetModule = {
  describe: (rule) =>
    BUILTIN_CHAINS.has(rule.chain)
      ? `leaves ${rule.chain}, whose policy then decides`
      : 'goes back to the chain that jumped here',
  apply({ say }) {
    say('RETURN: back to the calling chain');
    return { kind: 'return' };
  },
};
export default ret;
