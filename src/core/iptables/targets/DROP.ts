// `-j DROP`: the packet is discarded without an answer.
import { explainRule } from '../../explain/rule';
import type { TargetModule } from '../module';

const drop: TargetModule = {
  describe: () => 'is dropped',
  apply({ rule, link, table, say }) {
    say(`DROP: ${explainRule(rule)}`);
    return { kind: 'drop', rule: link, reason: `rule ${rule.index + 1} of ${table} ${rule.chain}` };
  },
};
export default drop;
