// `-j IDLETIMER`: restarts an idle timer, and the walk goes on.
import { CONTINUES, targetValue } from '../../explain/words';
import { continuing } from '../continuing';

export default continuing(
  (rule) =>
    `${`restarts the idle timer "${targetValue(rule, '--label') ?? '?'}" (${targetValue(rule, '--timeout') ?? '?'} s)`}, ${CONTINUES}`,
);
