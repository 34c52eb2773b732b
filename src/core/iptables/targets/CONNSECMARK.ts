// `-j CONNSECMARK`: sets metadata or reports the packet, and the walk goes on; not yet put into words.
import { continuing } from '../continuing';

export default continuing();
