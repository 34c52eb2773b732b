// `-j CHECKSUM --checksum-fill`: fills in a checksum left to offload; the walk goes on.
import { CONTINUES } from '../../explain/words';
import { continuing } from '../continuing';

export default continuing(() => `gets its checksum filled in, ${CONTINUES}`);
