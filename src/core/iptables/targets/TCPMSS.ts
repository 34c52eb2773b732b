// `-j TCPMSS`: clamps or sets the MSS of SYN packets; the walk goes on.
import { CONTINUES, targetValue } from '../../explain/words';
import { continuing } from '../continuing';

export default continuing((rule) => {
  const mss = targetValue(rule, '--set-mss');
  return `${mss === undefined ? 'has its TCP MSS clamped to the path MTU' : `has its TCP MSS set to ${mss}`}, ${CONTINUES}`;
});
