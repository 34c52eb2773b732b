// `-j ULOG`: logs the packet through ULOG, and the walk goes on.
import { CONTINUES, targetValue } from '../../explain/words';
import { continuing } from '../continuing';

export default continuing(
  (rule) =>
    `${`is logged through ULOG${targetValue(rule, '--ulog-prefix') ? ` with the prefix "${targetValue(rule, '--ulog-prefix')}"` : ''}`}, ${CONTINUES}`,
);
