// `-j DNPT`: IPv6 destination prefix translation (NPTv6); put into words, not followed by the trace.
import { targetValue } from '../../explain/words';
import { unmodelled } from '../continuing';

export default unmodelled(
  (rule) =>
    `has its destination prefix ${targetValue(rule, '--src-pfx') ?? '?'} translated to ${targetValue(rule, '--dst-pfx') ?? '?'} (NPTv6)`,
);
