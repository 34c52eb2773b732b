// `-j HMARK`: marks the packet with a hash of its addresses and ports, and the walk goes on.
import { CONTINUES, targetValue } from '../../explain/words';
import { continuing } from '../continuing';

export default continuing(
  (rule) =>
    `${`gets a packet mark from a hash of its addresses and ports${targetValue(rule, '--hmark-mod') ? ` (modulo ${targetValue(rule, '--hmark-mod')})` : ''}`}, ${CONTINUES}`,
);
