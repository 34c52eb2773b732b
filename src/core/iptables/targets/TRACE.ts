// `-j TRACE`: asks the kernel to trace the packet, and the walk goes on.
import { CONTINUES } from '../../explain/words';
import { continuing } from '../continuing';

export default continuing(() => `is traced by the kernel (nf_trace, seen by nft monitor trace), ${CONTINUES}`);
