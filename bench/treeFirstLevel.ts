// Times the NAT view's first level (roots and their items) for a snapshot holding N kube-proxy rules.
import { parseIptablesSave } from '../src/core/iptables/parse';
import type { Snapshot } from '../src/core/model';
import { deriveMappings } from '../src/core/portMappings';
import { NO_FILTER } from '../src/extension/tree/filter';
import { SnapshotIndex } from '../src/extension/tree/snapshotIndex';
import { natView } from '../src/extension/tree/views/natView';
import { kubeProxyRules } from './kubeRules';

function snapshotWith(rules: number): Snapshot {
  const dump = parseIptablesSave(kubeProxyRules(rules));
  const nat = dump.tables[0]!;
  const ruleCount = nat.chains.reduce((n, c) => n + c.rules.length, 0);
  return {
    takenAt: '',
    namespaces: [
      {
        id: '1',
        name: null,
        kind: 'host',
        mode: 'host',
        paths: [],
        pids: [],
        processes: [],
        interfaces: [],
        routes: [],
      },
    ],
    vethPairs: [],
    bridges: [],
    errors: [],
    discovery: { unreadable: 0 },
    nat: [{ namespace: '1', family: 'ipv4', source: 'iptables-save', ruleCount, tables: dump.tables }],
    portMappings: deriveMappings(nat, '1', 'ipv4'),
  };
}

/** Median time, in ms, from a new snapshot to the NAT view's first-level items. */
export function natFirstLevel(rules: number): number {
  const snapshot = snapshotWith(rules);
  const view = natView(() => 500);
  // One pass takes tens of microseconds: time batches of 1,000 and report the median per pass.
  const times: number[] = [];
  for (let r = 0; r < 9; r++) {
    const start = performance.now();
    for (let k = 0; k < 1000; k++) {
      const idx = new SnapshotIndex(snapshot);
      for (const node of view.roots(idx, NO_FILTER)) view.item(node, idx);
    }
    times.push((performance.now() - start) / 1000);
  }
  return times.sort((a, b) => a - b)[4] ?? NaN;
}
