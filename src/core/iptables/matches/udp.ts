// `-m udp`: source and destination ports, read and evaluated like TCP's.
import type { MatchModule } from '../module';
import { evaluatePorts, portsMiss, readPorts } from './tcp';

const udp: MatchModule = { read: readPorts, evaluate: evaluatePorts, miss: portsMiss };
export default udp;
