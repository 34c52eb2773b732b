// `-j SYNPROXY`: answers the TCP handshake itself and lets the connection through only once it completes; not followed
// by the trace.
import { unmodelled } from '../continuing';

export default unmodelled(
  () => "has its TCP handshake answered by the kernel's SYN proxy, which passes the connection on once it completes",
);
