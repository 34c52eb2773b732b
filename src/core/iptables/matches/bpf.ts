// `-m bpf`: a classic BPF program, or a pinned eBPF object, decides; not evaluated by the trace.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const bpf: MatchModule = {
  read: phraseReader({
    '--bytecode': () => ['accepted by a classic BPF program', 'rejected by a classic BPF program'],
    '--object-pinned': (t) => [
      `accepted by the eBPF program pinned at ${t}`,
      `rejected by the eBPF program pinned at ${t}`,
    ],
  }),
};
export default bpf;
