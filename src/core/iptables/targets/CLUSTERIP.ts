// `-j CLUSTERIP`: a shared cluster address, each node taking its hash share of the connections; not followed by the
// trace.
import { targetValue } from '../../explain/words';
import { unmodelled } from '../continuing';

export default unmodelled(
  (rule) =>
    `is shared out among ${targetValue(rule, '--total-nodes') ?? '?'} cluster nodes by ${targetValue(rule, '--hashmode') ?? 'a hash'} (CLUSTERIP; this is node ${targetValue(rule, '--local-node') ?? '?'})`,
);
