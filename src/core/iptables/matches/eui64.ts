// `-m eui64`: an IPv6 source address whose interface identifier is the EUI-64 of the sender's MAC address.
import type { MatchModule } from '../module';

const eui64: MatchModule = {
  read(_group, reading) {
    reading.clauses.push("whose IPv6 source address is built from the sender's MAC address (EUI-64)");
  },
};
export default eui64;
