// `-m ipvs`: packets of IPVS (the kernel load balancer kube-proxy's ipvs mode uses) connections.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const ipvs: MatchModule = {
  read: phraseReader({
    '--ipvs': () => ['belonging to an IPVS connection', 'not belonging to an IPVS connection'],
    '--vproto': (t) => [`of IPVS protocol ${t}`, `not of IPVS protocol ${t}`],
    '--vaddr': (t) => [`for the IPVS virtual address ${t}`, `not for the IPVS virtual address ${t}`],
    '--vport': (t) => [`for the IPVS virtual port ${t}`, `not for the IPVS virtual port ${t}`],
    '--vdir': (t) => [`in the ${t} direction of the IPVS connection`, `not in the ${t} direction`],
    '--vmethod': (t) => [`forwarded by IPVS with ${t}`, `not forwarded by IPVS with ${t}`],
    '--vportctl': (t) => [
      `of the IPVS control connection on port ${t}`,
      `not of the IPVS control connection on port ${t}`,
    ],
  }),
};
export default ipvs;
