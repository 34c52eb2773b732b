// `-m cluster`: the share of connections (by a hash of the source) this node handles in a cluster of nodes.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const cluster: MatchModule = {
  read: phraseReader({
    '--cluster-total-nodes': (t) => [`hashed among ${t} cluster nodes`, `hashed among ${t} cluster nodes`],
    '--cluster-local-node': (t) => [`falling to cluster node ${t} (this one)`, `not falling to cluster node ${t}`],
    '--cluster-local-nodemask': (t) => [
      `falling to the cluster nodes of mask ${t} (this one)`,
      `not falling to the cluster nodes of mask ${t}`,
    ],
    '--cluster-hash-seed': () => null,
  }),
};
export default cluster;
