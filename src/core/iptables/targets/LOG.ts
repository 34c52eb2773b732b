// `-j LOG`: writes the packet to the kernel log; the walk goes on.
import { CONTINUES, prefixWords, targetValue } from '../../explain/words';
import { continuing } from '../continuing';

export default continuing((rule) => `is logged${prefixWords(targetValue(rule, '--log-prefix'))}, ${CONTINUES}`);
