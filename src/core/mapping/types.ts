// Types of port-mapping plans: what a user asks for, the rule edits that do it, and conflicts.
import type { Family } from '../model';

export type MappingProtocol = 'tcp' | 'udp' | 'sctp';

/** One published port, checked: what `docker run -p [HOST_IP:]HOST_PORT:CONTAINER_PORT/PROTO` means. */
export interface MappingSpec {
  family: Family;
  protocol: MappingProtocol;
  /** A local address the port is bound to; null for every local address. Canonical text. */
  hostIp: string | null;
  hostPort: number;
  /** Canonical text (IPv6 compressed the way iptables-save prints it). */
  targetIp: string;
  targetPort: number;
}

/** Which of our mappings to remove (or which foreign DNAT), as the CLI's `map rm` names it. */
export interface MappingSelector {
  family: Family;
  protocol: MappingProtocol;
  hostPort: number;
  /** undefined: whatever address the mapping is bound to. */
  hostIp?: string | null;
}

export type RuleTable = 'raw' | 'nat' | 'filter';

/** The tables our rules live in, in the order a plan touches them. */
export const RULE_TABLES: readonly RuleTable[] = ['raw', 'nat', 'filter'];

/**
 * One edit of a chain, in `iptables-restore` terms. `rule` is the rule's text after `-A CHAIN `,
 * exactly as iptables-save prints it, so it reads back byte for byte.
 */
export type RuleOp =
  | { op: 'newChain'; table: RuleTable; chain: string }
  | { op: 'append'; table: RuleTable; chain: string; rule: string }
  /** `position` is 1-based, as `-I CHAIN N`. */
  | { op: 'insert'; table: RuleTable; chain: string; position: number; rule: string }
  /** `index` is the rule's 0-based position in the chain before the plan ran (for undo). */
  | { op: 'delete'; table: RuleTable; chain: string; rule: string; index: number }
  | { op: 'deleteChain'; table: RuleTable; chain: string };

/** Rules of the touched chains before a plan runs, table → chain → rule texts; null for a chain that did not exist. */
export type ChainContents = Record<string, Record<string, string[] | null>>;

export type MappingOwner = 'netns-explorer' | 'docker' | 'kubernetes' | 'podman' | 'cni' | 'firewalld' | 'unknown';

export interface MappingPlan {
  kind: 'add' | 'remove';
  family: Family;
  /** The mapping, as its tagging comment names it: `tcp 0.0.0.0:18080 -> 172.31.240.2:80`. */
  title: string;
  owner: MappingOwner;
  ops: RuleOp[];
  /** The touched chains as they were: what verification and rollback compare against. */
  before: ChainContents;
  /** The spec of an added or removed mapping of ours (null for a foreign one), for undo. */
  spec: MappingSpec | null;
  /** Loopback-bound: the kernel must be told to route 127.0.0.0/8 out of the target's interface. */
  needsRouteLocalnet: boolean;
  /**
   * In a namespace whose NAT is native nftables: the `nft -f` script (one transaction) in place of `ops`, and `before`
   * holds our table's chains (core/mapping/nft.ts).
   */
  nft?: string;
}

export interface MappingConflict {
  kind: 'dnat' | 'listener';
  /** Who holds the port: the DNAT rule's owner, or the listening process. */
  owner: string;
  /** Plain sentence naming the other side. */
  message: string;
  /** The DNAT rule's text, when it is one. */
  rule: string | null;
}
