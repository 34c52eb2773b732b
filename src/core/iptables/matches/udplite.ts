// `-m udplite`: ports put into words like TCP's; the trace follows TCP and UDP only, so it does not evaluate them.
import type { MatchModule } from '../module';
import { readPorts } from './tcp';

const udplite: MatchModule = { read: readPorts };
export default udplite;
