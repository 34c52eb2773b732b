// `-j NETMAP`: maps a whole prefix one to one onto another; put into words, not followed by the trace.
import { targetValue } from '../../explain/words';
import { unmodelled } from '../continuing';

export default unmodelled(
  (rule) => `has its address mapped one to one into ${targetValue(rule, '--to') ?? '?'} (NETMAP)`,
);
