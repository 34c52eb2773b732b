// `-j AUDIT`: records the packet in the audit log, and the walk goes on.
import { CONTINUES, targetValue } from '../../explain/words';
import { continuing } from '../continuing';

export default continuing(
  (rule) =>
    `${`is recorded in the audit log${targetValue(rule, '--type') ? ` as ${targetValue(rule, '--type')}` : ''}`}, ${CONTINUES}`,
);
