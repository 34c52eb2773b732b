// `-m connmark`: the connection's mark. Put into words like `-m mark`; the trace does not follow connection marks.
import type { MatchModule } from '../module';
import mark from './mark';

const connmark: MatchModule = { read: mark.read };
export default connmark;
