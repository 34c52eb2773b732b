// `-m icmp6 --icmpv6-type` (ip6tables): read and evaluated like `-m icmp`.
import icmp from './icmp';

export default icmp;
