// `-j NOTRACK`: the older spelling of `-j CT --notrack`.
import { CONTINUES } from '../../explain/words';
import type { TargetModule } from '../module';
import ct from './CT';

const notrack: TargetModule = { describe: () => `is excluded from connection tracking, ${CONTINUES}`, apply: ct.apply };
export default notrack;
