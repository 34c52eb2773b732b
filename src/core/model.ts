// The network model of one host: namespaces, interfaces, veth pairs, bridges, NAT and port mappings.
import type { RuleOwner } from './explain/owner';
import type { RawRuleDump, RuleSet } from './rules/types';
import type { RuntimeInfo } from './runtime';

/** A namespace's id: the inode of its nsfs file, as a decimal string. Stable while it lives. */
export type NamespaceId = string;

export type NamespaceKind = 'host' | 'named' | 'docker' | 'process';
export type NetworkMode = 'bridge' | 'host' | 'container' | 'none' | 'other';

export type InterfaceKind =
  'loopback' | 'veth' | 'bridge' | 'physical' | 'vlan' | 'vxlan' | 'macvlan' | 'ipvlan' | 'tun' | 'dummy' | 'other';

export interface ProcessInfo {
  pid: number;
  /** `/proc/PID/comm`. Untrusted text. */
  command: string;
  /** Inode of the process's PID namespace, when readable: tells containers apart. */
  pidNamespace: string | null;
}

/** A namespace as found on the host, before anything was run inside it. */
export interface DiscoveredNamespace {
  id: NamespaceId;
  /** Device and inode of the nsfs file (`stat -L`): the identity that merges paths. */
  dev: number;
  ino: number;
  kind: NamespaceKind;
  /** `/run/netns` name, or the Docker sandbox key; null when only a PID reaches it. */
  name: string | null;
  /** Every path that reaches it: `/run/netns/X`, `/var/run/docker/netns/X`, `/proc/PID/ns/net`. */
  paths: string[];
  processes: ProcessInfo[];
}

export interface Discovery {
  namespaces: DiscoveredNamespace[];
  /** Entries skipped because they could not be read (permission denied, process gone). */
  unreadable: number;
  /** The PID namespace of the tool itself: processes in another one are containerised. */
  hostPidNamespace: string | null;
}

export interface PeerRef {
  namespace: NamespaceId;
  ifname: string;
}

export interface NetInterface {
  name: string;
  ifindex: number;
  kind: InterfaceKind;
  /** The kernel's `linkinfo.info_kind` (`veth`, `bridge`, `wireguard`...), null for plain devices. */
  infoKind: string | null;
  /** operstate: UP, DOWN, UNKNOWN, LOWERLAYERDOWN... */
  state: string;
  flags: string[];
  mac: string | null;
  mtu: number;
  /** CIDR form, IPv4 first: `172.17.0.2/16`, `fd00::2/64`. */
  addresses: string[];
  /** Name of the bridge (or bond) this interface is a port of. */
  master: string | null;
  /** For a veth: the other end, once resolved across namespaces. */
  peer: PeerRef | null;
  /** Raw peer hints from the kernel, kept for pairing and for the tooltip. */
  linkIndex: number | null;
  linkNetnsId: number | null;
  /**
   * For a bridge port: whether the bridge may send a frame back out the port it came in on (`hairpin on`). A
   * container reaching its own published port through br_netfilter needs it. Absent for other interfaces.
   */
  hairpin?: boolean;
}

export interface Route {
  family: 'ipv4' | 'ipv6';
  /** `default` or a CIDR. */
  dst: string;
  gateway: string | null;
  dev: string | null;
  protocol: string | null;
  scope: string | null;
  prefsrc: string | null;
  metric: number | null;
  type: string | null;
  /** The routing table, when not `main` (policy routing: `ip rule` chooses the tables a lookup uses). */
  table?: string;
}

export interface Namespace {
  id: NamespaceId;
  name: string | null;
  kind: NamespaceKind;
  mode: NetworkMode;
  paths: string[];
  pids: number[];
  processes: ProcessInfo[];
  interfaces: NetInterface[];
  routes: Route[];
  /** The containers a runtime runs in it, by name (core/runtime.ts linkRuntime); absent without runtimes. */
  containerNames?: string[];
}

export interface VethPair {
  a: PeerRef;
  b: PeerRef;
}

export interface Bridge {
  namespace: NamespaceId;
  name: string;
  addresses: string[];
  /** Names of the interfaces whose master is this bridge, sorted. */
  ports: string[];
}

export type Family = 'ipv4' | 'ipv6';

/** One namespace's rules of one family from one dump, behind the rule-source seam (src/core/rules/). */
export type { RuleSet } from './rules/types';

/** A number, or a range written `"30000-30010"`; null when the rule matches every port. */
export type PortSpec = number | string | null;

export interface PortMapping {
  /** Namespace whose NAT holds the DNAT rule. */
  namespace: NamespaceId;
  family: Family;
  protocol: string;
  /** `0.0.0.0` / `::` for any local address, else the address in `-d`. */
  hostIp: string;
  hostPort: PortSpec;
  targetIp: string;
  targetPort: PortSpec;
  /** Namespace and interface that own targetIp, and the processes there. */
  targetNamespace: NamespaceId | null;
  targetInterface: string | null;
  targetPids: number[];
  /** Chain holding the DNAT rule. */
  chain: string;
  /** Chains from the hook to the rule: `PREROUTING → DOCKER` as `['PREROUTING','DOCKER']`. */
  chainPath: string[];
  /** Hooks that reach the rule (PREROUTING, OUTPUT); empty when no hook reaches it. */
  hooks: string[];
  /** The DNAT rule's original text. */
  rule: string;
  /** The dump the rule is in (`iptables-save`, `nft`...): with namespace and ruleRef it names the rule. */
  source?: string;
  ruleRef: { table: string; chain: string; index: number };
  /** Who wrote it, from chain names and comments. */
  owner: RuleOwner;
  /**
   * Set when the rule catches an address that is not one of the namespace's own (a Kubernetes ClusterIP): a service
   * address, not a published host port. Absent otherwise.
   */
  service?: true;
  comment: string | null;
}

export type ErrorReason = 'missing' | 'permission' | 'timeout' | 'parse' | 'failed';

export interface SnapshotError {
  /** Namespace id, or null for errors about the whole scan. */
  namespace: NamespaceId | null;
  /** The command as an argv list joined for display. */
  command: string;
  reason: ErrorReason;
  message: string;
}

export interface Snapshot {
  takenAt: string;
  namespaces: Namespace[];
  vethPairs: VethPair[];
  bridges: Bridge[];
  portMappings: PortMapping[];
  /** Every rule set read (the JSON field keeps its first name: iptables' NAT was all it held). */
  nat: RuleSet[];
  errors: SnapshotError[];
  discovery: { unreadable: number };
  /** Names and grouping from container runtimes, linked by kernel identity (src/core/runtime.ts); optional. */
  runtime?: RuntimeInfo;
}

/** What the host layer hands to core for one namespace: raw command output, parsed later. */
export interface RawNamespaceData {
  namespace: DiscoveredNamespace;
  /** Concatenated JSON arrays from `ip -j -d -batch -` (links, addresses, routes, nsids). */
  ip: { command: string; text: string } | null;
  nat: RawRuleDump[];
  errors: SnapshotError[];
}
