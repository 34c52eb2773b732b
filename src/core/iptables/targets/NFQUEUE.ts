// `-j NFQUEUE`: hands the packet to a user-space program; the trace cannot know its verdict.
import { targetValue } from '../../explain/words';
import type { TargetModule } from '../module';

const nfqueue: TargetModule = {
  describe: (rule) =>
    `is handed to a user-space program through queue ${targetValue(rule, '--queue-num', '--queue-balance')?.replace(':', '-') ?? '0'}`,
};
export default nfqueue;
