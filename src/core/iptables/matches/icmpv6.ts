// `-m icmpv6`: another spelling of `-m icmp6`.
import icmp from './icmp';

export default icmp;
