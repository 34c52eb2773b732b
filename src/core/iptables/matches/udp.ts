// `-m udp`: source and destination ports, read and evaluated like TCP's.
import type { MatchModule } from '../module';
import { evaluatePorts, readPorts } from './tcp';

const udp: MatchModule = { read: readPorts, evaluate: evaluatePorts };
export default udp;
