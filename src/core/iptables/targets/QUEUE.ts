// `-j QUEUE`: the old form of NFQUEUE (queue 0); the trace cannot know its verdict.
import type { TargetModule } from '../module';

const queue: TargetModule = { describe: () => 'is handed to a user-space program' };
export default queue;
