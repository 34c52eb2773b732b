// The trace's data: what to trace (request), what the host adds (listeners, sysctls), and the path it found.
import type { PolicyRule } from '../ip/parse';
import type { Listener } from '../listeners';
import type { Family, NamespaceId } from '../model';
import type { RuleSetFamily } from '../rules/types';

export type Protocol = 'tcp' | 'udp';

/** Where the first packet starts. */
export type TraceSource =
  /** Arrives on `iface` of `namespace` from whatever is on the other side (the outside world). */
  | { kind: 'outside'; namespace: NamespaceId; iface: string; address?: string }
  /** Sent by a process in `namespace` (the host itself, or a container). */
  | { kind: 'local'; namespace: NamespaceId; address?: string };

export interface TraceRequest {
  source: TraceSource;
  dst: string;
  dport: number;
  protocol: Protocol;
  /** Source port of the first packet; defaults to an ephemeral 40000. */
  sport?: number;
}

/** What the trace needs beyond the snapshot, per namespace; null fields were not readable. */
export interface NamespaceExtras {
  listeners: Listener[] | null;
  /** `/proc/sys/net/...` paths relative to /proc/sys/net, e.g. `ipv4/ip_forward`, `ipv4/conf/nxtbr0/route_localnet`. */
  sysctls: Record<string, string>;
  /** `ip rule` of both families; null (or absent) when not read: the default rules are assumed. */
  rules?: PolicyRule[] | null;
  errors: string[];
}

export interface RuleLink {
  namespace: NamespaceId;
  /** The rule set's family (`all` for nft's one set per namespace), which with source names the set. */
  family: RuleSetFamily;
  source: string;
  table: string;
  chain: string;
  index: number;
  text: string;
}

/** `skip`: a rule the packet passed over, with the first condition that failed. */
export type StepKind = 'hook' | 'rule' | 'skip' | 'policy' | 'route' | 'hop' | 'nat' | 'deliver' | 'note';

export interface TraceStep {
  namespace: NamespaceId;
  kind: StepKind;
  /** Nesting: 0 for hooks and routing, deeper for rules inside jumped-to chains. */
  depth: number;
  /** `nat PREROUTING`, `filter DOCKER-USER`, `routing`, `veth`… */
  title: string;
  /** Plain language: what happened and why. */
  text: string;
  /** The packet as it is at this step: `tcp 198.19.0.2:40000 → 10.77.0.2:80`. */
  packet: string;
  rule: RuleLink | null;
  /** Matches the trace could not evaluate, each with the assumption it made. */
  assumptions: string[];
  /** Set when the step's outcome rests on an assumption or on something unknowable here. */
  uncertain: boolean;
  /** For an explanation of a failure: its short form, reason then fix, which leads the trace's answer. */
  answer?: string;
}

export type Verdict =
  | { kind: 'delivered'; namespace: NamespaceId; ip: string; port: number; process: string | null; pid: number | null }
  /** Reached its namespace, nothing listens (or a REJECT): the sender gets connection refused. */
  | { kind: 'refused'; namespace: NamespaceId; ip: string; port: number; reason: string; rule: RuleLink | null }
  /** Silently dropped: the sender times out. */
  | { kind: 'dropped'; namespace: NamespaceId; reason: string; rule: RuleLink | null }
  /** No route, nobody answers ARP, REJECT with a host/network error. */
  | { kind: 'unreachable'; namespace: NamespaceId; reason: string; rule: RuleLink | null }
  /** Leaves the part of the world the snapshot shows (a physical link): its fate is unknown. */
  | { kind: 'left'; namespace: NamespaceId; iface: string; reason: string };

/** One namespace the packet passes, with the interfaces it came in and went out by. */
export interface PathHop {
  namespace: NamespaceId;
  inIface: string | null;
  outIface: string | null;
}

export interface ChainVisit {
  namespace: NamespaceId;
  family: Family;
  table: string;
  chain: string;
}

/** One outcome of the trace: with statistic matches there are several, each with its probability. */
export interface TraceOutcome {
  probability: number;
  /** The statistic choices that lead here, in order: `NXT-SVC rule 1: matched (p=0.5)`. */
  choices: string[];
  /** The first packet's verdict (the request reaching its listener, or where it stops). */
  verdict: Verdict;
  /** The connection works: the first packet is delivered and its reply gets back to the client. */
  connected: boolean;
  /** The connection in one sentence: where the request stops, or where its reply does. */
  summary: string;
  steps: TraceStep[];
  path: PathHop[];
  visits: ChainVisit[];
  /** The first reply packet (conntrack ESTABLISHED), traced back when the request is delivered. */
  reply: { verdict: Verdict; delivered: boolean; summary: string; steps: TraceStep[] } | null;
  uncertain: boolean;
}

export interface TraceResult {
  request: TraceRequest;
  /** Human description of the request: `tcp from outside via eth0 of nxt-host to 198.19.0.1:8080`. */
  title: string;
  /** The most likely outcome first. */
  outcomes: TraceOutcome[];
  /** The first outcome's first-packet verdict, repeated for convenience. */
  verdict: Verdict;
  /** The first outcome's reply verdict; null when the first packet is not delivered. */
  reply: Verdict | null;
  /** The first outcome's: the request delivered and the reply back. */
  connected: boolean;
  summary: string;
  /**
   * The first thing to read: for a connection that fails, why and what to do (the trace's first explanation,
   * "the mapping is bound to 198.18.0.1, not 172.31.240.1 … Fix: …"); otherwise the verdict itself.
   */
  answer: string;
  uncertain: boolean;
}
