// `-j ECN`: clears the ECN bits of TCP headers, and the walk goes on.
import { CONTINUES } from '../../explain/words';
import { continuing } from '../continuing';

export default continuing(() => `has the ECN bits of its TCP header cleared, ${CONTINUES}`);
