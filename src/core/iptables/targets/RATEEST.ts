// `-j RATEEST`: counts the packet into a named rate estimator (read by `-m rateest`), and the walk goes on.
import { CONTINUES, targetValue } from '../../explain/words';
import { continuing } from '../continuing';

export default continuing(
  (rule) => `is counted in the rate estimator ${targetValue(rule, '--rateest-name') ?? '?'}, ${CONTINUES}`,
);
