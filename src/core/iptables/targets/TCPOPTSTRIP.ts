// `-j TCPOPTSTRIP`: removes TCP options, and the walk goes on.
import { CONTINUES, targetValue } from '../../explain/words';
import { continuing } from '../continuing';

export default continuing(
  (rule) => `${`has the TCP options ${targetValue(rule, '--strip-options') ?? '?'} removed`}, ${CONTINUES}`,
);
