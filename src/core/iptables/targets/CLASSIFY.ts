// `-j CLASSIFY`: puts the packet in a traffic-control class, and the walk goes on.
import { CONTINUES, targetValue } from '../../explain/words';
import { continuing } from '../continuing';

export default continuing(
  (rule) => `${`is put in traffic-control class ${targetValue(rule, '--set-class') ?? '?'}`}, ${CONTINUES}`,
);
