// Tree nodes as plain data keyed by stable identities (never counters or byte counts), and their ids.
import type { RuleSetFamily } from '../../core/rules/types';

export interface RuleSetKey {
  ns: string;
  family: RuleSetFamily;
  source: string;
}

export type TreeNode =
  /** The first row of the Namespaces view while the window is read-only: Grant Access…. */
  | { kind: 'grantAccess' }
  /** Namespaces grouped by runtime (`docker`), then Compose project, lab or pod (`docker/compose:shop`). */
  | { kind: 'nsGroup'; path: string }
  | { kind: 'namespace'; ns: string }
  | { kind: 'interface'; ns: string; ifname: string }
  | { kind: 'routes'; ns: string }
  | { kind: 'route'; ns: string; index: number }
  | { kind: 'nsError'; ns: string; index: number }
  | { kind: 'bridge'; ns: string; name: string }
  | { kind: 'bridgePort'; ns: string; bridge: string; ifname: string }
  | { kind: 'vethPair'; ns: string; ifname: string; peerNs: string; peerIfname: string }
  | { kind: 'mappings' }
  | { kind: 'mappingGroup'; ns: string }
  | { kind: 'mapping'; ns: string; key: string }
  /** Several rules that are one binding, as docker ps shows it (IPv4 and IPv6, a range): keyed by its first rule. */
  | { kind: 'portRow'; ns: string; key: string }
  /** Kubernetes Services, apart from the host's published ports; a Service is keyed within its namespace. */
  | { kind: 'services' }
  | { kind: 'service'; ns: string; key: string }
  | { kind: 'ruleSet'; set: RuleSetKey }
  | { kind: 'table'; set: RuleSetKey; table: string }
  | { kind: 'chain'; set: RuleSetKey; table: string; chain: string }
  | { kind: 'rulePage'; set: RuleSetKey; table: string; chain: string; start: number; end: number }
  | { kind: 'rule'; set: RuleSetKey; table: string; chain: string; index: number };

const setId = (s: RuleSetKey): string => `${s.ns}/${s.family}/${s.source}`;

/**
 * A node's id: unique in its view and the same across refreshes for the same kernel object, so
 * VS Code keeps expansion and selection. Rule ids use the position in the chain: a rule that moves
 * is, for the reader, a different line.
 */
export function nodeId(n: TreeNode): string {
  switch (n.kind) {
    case 'grantAccess':
      return 'grantAccess';
    case 'nsGroup':
      return `group:${n.path}`;
    case 'namespace':
      return `ns:${n.ns}`;
    case 'interface':
      return `ns:${n.ns}/if:${n.ifname}`;
    case 'routes':
      return `ns:${n.ns}/routes`;
    case 'route':
      return `ns:${n.ns}/route:${n.index}`;
    case 'nsError':
      return `ns:${n.ns}/error:${n.index}`;
    case 'bridge':
      return `br:${n.ns}/${n.name}`;
    case 'bridgePort':
      return `br:${n.ns}/${n.bridge}/port:${n.ifname}`;
    case 'vethPair':
      return `veth:${n.ns}/${n.ifname}`;
    case 'mappings':
      return 'mappings';
    case 'mappingGroup':
      return `mappings/${n.ns}`;
    case 'mapping':
      return `mappings/${n.ns}/${n.key}`;
    case 'portRow':
      return `mappings/${n.ns}/row:${n.key}`;
    case 'services':
      return 'services';
    case 'service':
      return `services/${n.ns}/${n.key}`;
    case 'ruleSet':
      return `rules:${setId(n.set)}`;
    case 'table':
      return `rules:${setId(n.set)}/${n.table}`;
    case 'chain':
      return `rules:${setId(n.set)}/${n.table}/${n.chain}`;
    case 'rulePage':
      return `rules:${setId(n.set)}/${n.table}/${n.chain}/page:${n.start}`;
    case 'rule':
      return `rules:${setId(n.set)}/${n.table}/${n.chain}/${n.index}`;
  }
}
