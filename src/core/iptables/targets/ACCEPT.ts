// `-j ACCEPT`: the packet passes this table (in nat: keeps its addresses).
import type { TargetModule } from '../module';

const accept: TargetModule = {
  // In nat, ACCEPT ends the table's walk for this hook: the packet keeps its addresses.
  describe: (rule) => (rule.table === 'nat' ? 'is accepted without address translation' : 'is accepted'),
  apply({ say }) {
    say('ACCEPT: the packet passes this table');
    return { kind: 'accept' };
  },
};
export default accept;
