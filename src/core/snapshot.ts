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
import type { RawRuleDump } from './rules/types';
import { pairVeths, type PairingNamespace } from './veth';

const KIND_ORDER = { host: 0, named: 1, docker: 2, process: 3 } as const;

/** One namespace's rule dumps, parsed: its rule sets, their port mappings (targets not yet resolved) and errors. */
interface ParsedRules {
  dumps: readonly RawRuleDump[];
  sets: RuleSet[];
  mappings: PortMapping[];
  errors: SnapshotError[];
}

/**
 * The last build's parse of each namespace's dumps, kept by whoever builds snapshots again and again (the collector).
 * A refresh that read a namespace's rules again and found the very same text (the poll, another namespace's event)
 * reuses it: a 100,000-rule dump is not parsed again. Parsed rule sets are never changed after the build, so two
 * snapshots may share them.
 */
export class RuleParseCache {
  private before = new Map<NamespaceId, ParsedRules>();

  /** `data`'s rules, parsed now or kept from the last build; what this build did not use is forgotten. */
  parse(data: RawNamespaceData, now: Map<NamespaceId, ParsedRules>): ParsedRules {
    const parsed = sameDumps(this.before.get(data.namespace.id), data.nat) ?? parseRules(data);
    now.set(data.namespace.id, parsed);
    return parsed;
  }

  keep(now: Map<NamespaceId, ParsedRules>): void {
    this.before = now;
  }
}

function sameDumps(before: ParsedRules | undefined, dumps: readonly RawRuleDump[]): ParsedRules | null {
  if (!before || before.dumps.length !== dumps.length) return null;
  const same = before.dumps.every(
    (d, i) => d.source === dumps[i]!.source && d.family === dumps[i]!.family && d.text === dumps[i]!.text,
  );
  return same ? { ...before, dumps } : null;
}

function parseRules(data: RawNamespaceData): ParsedRules {
  const out: ParsedRules = { dumps: data.nat, sets: [], mappings: [], errors: [] };
  for (const dump of data.nat) {
    const source = ruleSourceFor(dump.source);
    if (source === undefined) {
      out.errors.push({
        namespace: data.namespace.id,
        command: dump.command,
        reason: 'parse',
        message: `no reader for ${dump.source} output`,
      });
      continue;
    }
    const { set, diagnostics } = source.read(data.namespace.id, dump, out.sets);
    for (const d of diagnostics) {
      out.errors.push({
        namespace: data.namespace.id,
        command: dump.command,
        reason: 'parse',
        message: `unparsable output at line ${d.line}: ${d.message}`,
      });
    }
    out.sets.push(set);
    for (const m of source.portMappings(set)) out.mappings.push({ ...m, source: set.source });
  }
  return out;
}

export function buildSnapshot(
  discovery: Discovery,
  raw: RawNamespaceData[],
  takenAt: string,
  rules: RuleParseCache = new RuleParseCache(),
): Snapshot {
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
  const parsedNow = new Map<NamespaceId, ParsedRules>();
  for (const data of raw) {
    const parsed = rules.parse(data, parsedNow);
    nat.push(...parsed.sets);
    errors.push(...parsed.errors);
    // Copies: resolving targets below fills them in, and the parsed ones are kept for the next build.
    for (const m of parsed.mappings) portMappings.push({ ...m });
  }
  rules.keep(parsedNow);
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
