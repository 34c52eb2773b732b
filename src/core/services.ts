// Kubernetes Services (kube-proxy's rules) apart from the host's published ports: a service address and port, its
// kind, and its endpoints with the share of new connections each receives.
//
// A DNAT that catches an address the namespace does not hold is a service address (a ClusterIP; the snapshot marks it
// `service`). A DNAT reached through kube-proxy's node-port chain (iptables KUBE-NODEPORTS, nft `nodeports`) is a
// NodePort: it does take packets to the host's own addresses, but it belongs to a Service, not to a container
// published by hand or by Docker, so it is listed with the Services. Everything else is a port mapping of the host.
import statistic from './iptables/matches/statistic';
import { endpoint } from './net/address';
import type { Rule, Table } from './iptables/types';
import type { Family, NamespaceId, PortMapping, PortSpec, Snapshot } from './model';
import type { IptablesRuleSet } from './rules/types';

export type ServiceKind = 'ClusterIP' | 'NodePort' | 'ExternalIP' | 'LoadBalancer';

export interface ServiceEndpoint {
  ip: string;
  port: PortSpec;
  /** The share of new connections this endpoint gets (kube-proxy's `statistic` chain); null when not known. */
  probability: number | null;
  /** The namespace holding the address, when it is on this host. */
  namespace: NamespaceId | null;
}

export interface Service {
  /** The namespace whose rules hold it (the node). */
  namespace: NamespaceId;
  family: Family;
  protocol: string;
  kind: ServiceKind;
  /** The service address (`0.0.0.0` / `::` for a NodePort, which every local address takes). */
  ip: string;
  port: PortSpec;
  /** `namespace/name:port`, from kube-proxy's comments or chain names; null when neither says. */
  name: string | null;
  endpoints: ServiceEndpoint[];
}

const NODE_PORT_CHAINS = new Set(['KUBE-NODEPORTS', 'nodeports']);

/** A mapping that belongs to a Service rather than being a port the host publishes. */
export function isServiceMapping(m: PortMapping): boolean {
  return m.service === true || m.chainPath.some((c) => NODE_PORT_CHAINS.has(c));
}

/** The host's own published ports: what `portMappings[]` lists. */
export function hostPortMappings(mappings: readonly PortMapping[]): PortMapping[] {
  return mappings.filter((m) => !isServiceMapping(m));
}

/** kube-proxy's comment without what it appends: `ns/svc:http cluster IP` → `ns/svc:http`. */
function serviceName(comment: string | null): string | null {
  if (!comment) return null;
  return comment.replace(/\s+(cluster IP|external IP|loadbalancer IP|external destinations)$/, '').trim() || null;
}

/** A nat table's chains by name, and for each chain the first rule jumping to each target: built once per table. */
class TableIndex {
  private readonly chains: Map<string, Table['chains'][number]>;
  private readonly jumps = new Map<string, Map<string, Rule>>();
  readonly shares = new Map<string, Map<string, number>>();

  constructor(readonly table: Table) {
    this.chains = new Map(table.chains.map((c) => [c.name, c]));
  }

  rules(chain: string): readonly Rule[] {
    return this.chains.get(chain)?.rules ?? [];
  }

  /** The rule in `from` that jumps to `to` (the entry to a service chain, or one endpoint's branch). */
  jump(from: string | undefined, to: string | undefined): Rule | undefined {
    if (from === undefined || to === undefined) return undefined;
    let byTarget = this.jumps.get(from);
    if (!byTarget) {
      byTarget = new Map();
      for (const r of this.rules(from)) {
        const t = r.target?.name;
        if (t !== undefined && !byTarget.has(t)) byTarget.set(t, r);
      }
      this.jumps.set(from, byTarget);
    }
    return byTarget.get(to);
  }
}

/**
 * Each endpoint chain's share of the service chain's new connections: kube-proxy's rules each take `p` of what the
 * earlier ones left (`--probability 0.333…, 0.5`, then the last without statistic takes the rest).
 */
function shares(index: TableIndex, chain: string): Map<string, number> {
  const hit = index.shares.get(chain);
  if (hit) return hit;
  const out = new Map<string, number>();
  let left = 1;
  for (const rule of index.rules(chain)) {
    const target = rule.target?.name;
    // Only the branches to endpoint chains: not KUBE-MARK-MASQ for traffic from outside the cluster.
    if (target === undefined || !target.startsWith('KUBE-SEP-') || left <= 0) continue;
    const p = share(rule);
    if (!out.has(target)) out.set(target, left * p);
    left *= 1 - p;
  }
  index.shares.set(chain, out);
  return out;
}

/** A branch's share: its `-m statistic` as the trace branches on it (iptables/matches/statistic.ts); 1 without one. */
function share(rule: Rule): number {
  const group = rule.matches.find((g) => g.module === 'statistic');
  return group ? (statistic.branch?.(group).probability ?? 1) : 1;
}

function kindOf(m: PortMapping, entry: Rule | undefined): ServiceKind {
  if (m.chainPath.some((c) => NODE_PORT_CHAINS.has(c))) return 'NodePort';
  const comment = entry?.comment ?? '';
  if (/external IP$/.test(comment)) return 'ExternalIP';
  if (/loadbalancer IP$/.test(comment)) return 'LoadBalancer';
  return 'ClusterIP';
}

/** A Service and the DNAT rules (one per endpoint and path) it was read from; `key` names it within its namespace. */
export interface ServiceGroup {
  key: string;
  service: Service;
  mappings: PortMapping[];
}

/** The Services in the snapshot's rules, one per namespace, family, protocol, kind, address and port. */
export function servicesOf(snapshot: Pick<Snapshot, 'portMappings' | 'nat'>): Service[] {
  return serviceGroups(snapshot).map((g) => g.service);
}

export function serviceGroups(snapshot: Pick<Snapshot, 'portMappings' | 'nat'>): ServiceGroup[] {
  const natTables = new Map<string, TableIndex>();
  for (const set of snapshot.nat) {
    if (set.source === 'nft') continue;
    const t = (set as IptablesRuleSet).tables.find((x) => x.name === 'nat');
    if (t) natTables.set(`${set.namespace}/${set.family}`, new TableIndex(t));
  }
  const byKey = new Map<string, ServiceGroup>();
  for (const m of snapshot.portMappings) {
    if (!isServiceMapping(m)) continue;
    const table = natTables.get(`${m.namespace}/${m.family}`);
    const path = m.chainPath;
    // The rule that sent the packet into the service's chains: KUBE-SERVICES → KUBE-SVC-… (or → KUBE-NODEPORTS).
    const entry = table?.jump(path[1], path[2]);
    const kind = kindOf(m, entry);
    // The endpoint's share: decided in the chain just before the one holding the DNAT (KUBE-SVC-… → KUBE-SEP-…).
    const svcChain = path.length >= 2 ? path[path.length - 2] : undefined;
    const share =
      table && svcChain !== undefined && m.source !== 'nft' ? (shares(table, svcChain).get(m.chain) ?? null) : null;
    const nodePortRule =
      kind === 'NodePort' ? table?.jump('KUBE-NODEPORTS', path[path.indexOf('KUBE-NODEPORTS') + 1]) : undefined;
    const name =
      serviceName(nodePortRule?.comment ?? null) ?? serviceName(entry?.comment ?? null) ?? serviceName(m.comment);
    const key = [m.family, m.protocol, kind, m.hostIp, String(m.hostPort)].join('|');
    const full = `${m.namespace}|${key}`;
    let group = byKey.get(full);
    if (!group) {
      group = {
        key,
        service: {
          namespace: m.namespace,
          family: m.family,
          protocol: m.protocol,
          kind,
          ip: m.hostIp,
          port: m.hostPort,
          name,
          endpoints: [],
        },
        mappings: [],
      };
      byKey.set(full, group);
    }
    group.mappings.push(m);
    const { endpoints } = group.service;
    if (!endpoints.some((e) => e.ip === m.targetIp && e.port === m.targetPort))
      endpoints.push({ ip: m.targetIp, port: m.targetPort, probability: share, namespace: m.targetNamespace });
  }
  return [...byKey.values()];
}

/** `10.96.0.1:443/tcp ClusterIP default/kubernetes:https → 10.244.0.5:6443 33%, … [node]`: the CLI and the tree. */
export function serviceText(
  v: Service,
  label: (ns: NamespaceId) => string,
  /** How an untrusted name is written (the CLI escapes control characters for the terminal). */
  text: (name: string) => string = (name) => name,
): string {
  const at = `${endpoint(v.ip, v.port === null ? null : String(v.port))}/${v.protocol}`;
  const shown = v.endpoints.slice(0, 4).map((e) => {
    const share = e.probability === null ? '' : ` ${Math.round(e.probability * 100)}%`;
    const where = e.namespace ? ` (${label(e.namespace)})` : '';
    return `${endpoint(e.ip, e.port === null ? null : String(e.port))}${share}${where}`;
  });
  const more = v.endpoints.length > 4 ? `, +${v.endpoints.length - 4} more` : '';
  const name = v.name ? ` ${text(v.name)}` : '';
  return `${at} ${v.kind}${name} → ${shown.join(', ')}${more}  [${label(v.namespace)}]`;
}

const counted = new WeakMap<object, { hostMappings: number; services: number }>();

/**
 * How many port mappings the host publishes and how many Services there are: one pass over the snapshot's mappings,
 * kept per snapshot, so the NAT view's first level does not walk a kube-proxy node's mappings each time it is drawn.
 */
export function mappingCounts(snapshot: Pick<Snapshot, 'portMappings'>): { hostMappings: number; services: number } {
  const hit = counted.get(snapshot);
  if (hit) return hit;
  let hostMappings = 0;
  const services = new Set<string>();
  for (const m of snapshot.portMappings) {
    if (!isServiceMapping(m)) hostMappings++;
    else {
      const nodePort = m.chainPath.some((c) => NODE_PORT_CHAINS.has(c));
      services.add([m.namespace, m.family, m.protocol, nodePort, m.hostIp, String(m.hostPort)].join('|'));
    }
  }
  const out = { hostMappings, services: services.size };
  counted.set(snapshot, out);
  return out;
}
