// Builds one Snapshot from what discovery found and the raw output collected in each namespace.
import { buildInterfaces, buildNsidNames, buildRoutes, parseIpBatch } from './ip/parse';
import { classifyMode } from './mode';
import { AddressOwners } from './addressOwners';
import { bindsLocally, isLoopback } from './net/address';
import type {
  Bridge,
  Discovery,
  Namespace,
  NamespaceId,
  RuleSet,
  NetInterface,
  PortMapping,
  RawNamespaceData,
  Snapshot,
  SnapshotError,
  VethPair,
} from './model';
import { ruleSourceFor } from './rules';
import { pairVeths, type PairingNamespace } from './veth';

const KIND_ORDER = { host: 0, named: 1, docker: 2, process: 3 } as const;

export function buildSnapshot(discovery: Discovery, raw: RawNamespaceData[], takenAt: string): Snapshot {
  const errors: SnapshotError[] = [];
  const pairing: PairingNamespace[] = [];
  const namespaces: Namespace[] = [];

  for (const data of raw) {
    const ns = data.namespace;
    errors.push(...data.errors);
    let interfaces: NetInterface[] = [];
    let routes: Namespace['routes'] = [];
    let nsidNames = new Map<number, string>();
    if (data.ip !== null) {
      const parsed = parseIpBatch(data.ip.text);
      if (parsed.ok) {
        interfaces = buildInterfaces(parsed.batch);
        routes = buildRoutes(parsed.batch);
        nsidNames = buildNsidNames(parsed.batch);
      } else {
        errors.push({
          namespace: ns.id,
          command: data.ip.command,
          reason: 'parse',
          message: `unparsable output: ${parsed.message}`,
        });
      }
    }
    pairing.push({ id: ns.id, name: ns.name, interfaces, nsidNames });
    namespaces.push({
      id: ns.id,
      name: ns.name,
      kind: ns.kind,
      mode: 'other',
      paths: ns.paths,
      pids: ns.processes.map((p) => p.pid),
      processes: ns.processes,
      interfaces,
      routes,
    });
  }

  const byId = new Map(namespaces.map((n) => [n.id, n]));
  const vethPairs = pairVeths(pairing).map((pair) => orientPair(pair, byId));
  const bridges = collectBridges(namespaces);
  const bridgeNames = new Set(bridges.map((b) => `${b.namespace}/${b.name}`));
  for (const ns of namespaces) {
    ns.mode = classifyMode(ns, (iface) => {
      if (iface.peer === null) return false;
      const peer = byId.get(iface.peer.namespace)?.interfaces.find((i) => i.name === iface.peer?.ifname);
      return peer?.master != null && bridgeNames.has(`${iface.peer.namespace}/${peer.master}`);
    });
  }

  const nat: RuleSet[] = [];
  const portMappings: PortMapping[] = [];
  for (const data of raw) {
    for (const dump of data.nat) {
      const source = ruleSourceFor(dump.source);
      if (source === undefined) {
        errors.push({
          namespace: data.namespace.id,
          command: dump.command,
          reason: 'parse',
          message: `no reader for ${dump.source} output`,
        });
        continue;
      }
      const earlier = nat.filter((s) => s.namespace === data.namespace.id);
      const { set, diagnostics } = source.read(data.namespace.id, dump, earlier);
      for (const d of diagnostics) {
        errors.push({
          namespace: data.namespace.id,
          command: dump.command,
          reason: 'parse',
          message: `unparsable output at line ${d.line}: ${d.message}`,
        });
      }
      nat.push(set);
      for (const m of source.portMappings(set)) portMappings.push({ ...m, source: set.source });
    }
  }
  resolveTargets(portMappings, namespaces);

  namespaces.sort(
    (a, b) =>
      KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
      (a.name ?? '').localeCompare(b.name ?? '') ||
      Number(a.id) - Number(b.id),
  );
  return {
    takenAt,
    namespaces,
    vethPairs,
    bridges,
    portMappings,
    nat,
    errors,
    discovery: { unreadable: discovery.unreadable },
  };
}

/** Puts the host-facing end first: the bridge port, or the end in the host namespace. */
function orientPair(pair: VethPair, byId: Map<NamespaceId, Namespace>): VethPair {
  const rank = (ref: VethPair['a']): number => {
    const ns = byId.get(ref.namespace);
    const iface = ns?.interfaces.find((i) => i.name === ref.ifname);
    return (iface?.master != null ? 2 : 0) + (ns?.kind === 'host' ? 1 : 0);
  };
  return rank(pair.b) > rank(pair.a) ? { a: pair.b, b: pair.a } : pair;
}

function collectBridges(namespaces: Namespace[]): Bridge[] {
  const out: Bridge[] = [];
  for (const ns of namespaces) {
    for (const iface of ns.interfaces) {
      if (iface.kind !== 'bridge') continue;
      const ports = ns.interfaces
        .filter((p) => p.master === iface.name)
        .map((p) => p.name)
        .sort();
      out.push({ namespace: ns.id, name: iface.name, addresses: iface.addresses, ports });
    }
  }
  return out;
}

/** A DNAT binding to a specific address the namespace does not hold: a service (ClusterIP), not a host port. */
export function isServiceAddress(hostIp: string, ns: Namespace | undefined): boolean {
  // A namespace whose links could not be read has no addresses to judge by.
  if (ns === undefined || ns.interfaces.length === 0) return false;
  return !bindsLocally(
    hostIp,
    ns.interfaces.flatMap((i) => i.addresses),
  );
}

/**
 * Finds the namespace that owns each mapping's target address. The same private address can
 * exist in unrelated namespaces (two labs, two hosts' worth of containers), so a namespace
 * wired to the rule's namespace by a veth wins over one that merely holds the address.
 */
export function resolveTargets(mappings: PortMapping[], namespaces: Namespace[]): void {
  const owners = new AddressOwners(namespaces);
  const byId = new Map(namespaces.map((n) => [n.id, n]));

  for (const m of mappings) {
    if (isServiceAddress(m.hostIp, byId.get(m.namespace))) m.service = true;
    if (isLoopback(m.targetIp)) {
      m.targetNamespace = m.namespace;
      // Only name the loopback device when it was read: a namespace whose links failed has no interfaces.
      m.targetInterface = byId.get(m.namespace)?.interfaces.some((i) => i.name === 'lo') ? 'lo' : null;
    } else {
      const chosen = owners.ownerOf(m.targetIp, m.namespace);
      if (chosen === undefined) continue;
      m.targetNamespace = chosen.ns.id;
      m.targetInterface = chosen.iface.name;
    }
    m.targetPids = byId.get(m.targetNamespace)?.pids ?? [];
  }
}
