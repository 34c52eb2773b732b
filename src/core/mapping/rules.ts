// The exact rules one port mapping writes (Docker's semantics, in chains of our own), and their tagging comments.
import { quoteArg } from '../iptables/print';
import { OWN_COMMENT_PREFIX } from '../explain/owner';
import type { Family } from '../model';
import type { MappingSpec, RuleTable } from './types';
import { isLoopback } from '../net/address';
import { anyAddress } from './validate';

/** Our chains. Only these are created and deleted; other chains get at most one hook rule each. */
export const OWN_CHAINS = {
  raw: { table: 'raw', chain: 'NETNS-EXPLORER-RAW' },
  dnat: { table: 'nat', chain: 'NETNS-EXPLORER-DNAT' },
  postrouting: { table: 'nat', chain: 'NETNS-EXPLORER-POSTROUTING' },
  forward: { table: 'filter', chain: 'NETNS-EXPLORER-FWD' },
} as const satisfies Record<string, { table: RuleTable; chain: string }>;

export type OwnChainName = (typeof OWN_CHAINS)[keyof typeof OWN_CHAINS]['chain'];

/** Docker's documented chain for user rules: when it exists our filter hook goes there, first. */
export const DOCKER_USER = 'DOCKER-USER';

export const HOOK_COMMENT = `${OWN_COMMENT_PREFIX} hook`;

function hostText(ip: string, family: Family): string {
  return family === 'ipv6' ? `[${ip}]` : ip;
}

/** What the tagging comment says after the prefix: `tcp 0.0.0.0:18080 -> 172.31.240.2:80`. */
export function mappingTitle(spec: MappingSpec): string {
  const host = hostText(spec.hostIp ?? anyAddress(spec.family), spec.family);
  return `${spec.protocol} ${host}:${spec.hostPort} -> ${hostText(spec.targetIp, spec.family)}:${spec.targetPort}`;
}

export function mappingComment(spec: MappingSpec): string {
  return `${OWN_COMMENT_PREFIX} ${mappingTitle(spec)}`;
}

const TITLE = /^(tcp|udp|sctp) (\[[0-9a-f:]+\]|[0-9.]+):(\d+) -> (\[[0-9a-f:]+\]|[0-9.]+):(\d+)$/;

/** Reads a mapping back from its tagging comment; null for hooks and for comments not ours. */
export function specFromComment(comment: string | null): MappingSpec | null {
  if (comment === null || !comment.startsWith(`${OWN_COMMENT_PREFIX} `)) return null;
  const m = TITLE.exec(comment.slice(OWN_COMMENT_PREFIX.length + 1));
  if (!m) return null;
  const unbracket = (s: string) => s.replace(/^\[|\]$/g, '');
  const family: Family = m[2]!.startsWith('[') ? 'ipv6' : 'ipv4';
  const hostIp = unbracket(m[2]!);
  return {
    family,
    protocol: m[1] as MappingSpec['protocol'],
    hostIp: hostIp === anyAddress(family) ? null : hostIp,
    hostPort: Number(m[3]),
    targetIp: unbracket(m[4]!),
    targetPort: Number(m[5]),
  };
}

function prefix(family: Family): string {
  return family === 'ipv4' ? '/32' : '/128';
}

function commentMatch(text: string): string {
  return `-m comment --comment ${quoteArg(text)}`;
}

function portMatch(protocol: string, option: '--dport' | '--sport', port: number): string {
  return `-p ${protocol} -m ${protocol} ${option} ${port}`;
}

export interface PlacedRule {
  table: RuleTable;
  chain: OwnChainName;
  /** The text after `-A CHAIN `, exactly as iptables-save prints it. */
  rule: string;
}

/**
 * The rules of one mapping, in the order they are appended:
 * - nat DNAT: the host port to the target. Bound to every address, it leaves 127.0.0.0/8 (::1) alone, as
 *   Docker's OUTPUT hook does: a loopback source cannot leave through the bridge without route_localnet.
 *   Bound to 127.0.0.1 it matches exactly that, through the OUTPUT hook.
 * - nat MASQUERADE: hairpin (the container reaching its own published port), and for a loopback-bound
 *   mapping the loopback source, which the container could not answer.
 * - raw DROP, for a mapping bound to 127.0.0.1: packets to 127.0.0.0/8 on its port that did not arrive on lo. The
 *   PREROUTING hook would otherwise DNAT a neighbour's packet sent to 127.0.0.1 with this host's MAC before the
 *   martian check sees it, and forward it to the container (Kubernetes' CVE-2020-8558).
 * - filter ACCEPT: the forwarded traffic this mapping DNATed (conntrack's original port is the host port) and its
 *   replies, ahead of a DROP policy or Docker 28's per-bridge DROP. Traffic sent to the target address directly is
 *   not accepted: it would bypass network isolation on Docker 27 and plain bridges.
 */
export function mappingRules(spec: MappingSpec): PlacedRule[] {
  const { family, protocol } = spec;
  const tag = commentMatch(mappingComment(spec));
  const host = prefix(family);
  const target = `${spec.targetIp}${host}`;
  const destination = `${hostText(spec.targetIp, family)}:${spec.targetPort}`;
  const bound =
    spec.hostIp === null ? `! -d ${family === 'ipv4' ? '127.0.0.0/8' : '::1/128'} ` : `-d ${spec.hostIp}${host} `;
  const loopback = spec.hostIp !== null && isLoopback(spec.hostIp);
  const rules: PlacedRule[] = [];
  if (loopback) {
    rules.push({
      ...OWN_CHAINS.raw,
      rule: `-d 127.0.0.0/8 ! -i lo ${portMatch(protocol, '--dport', spec.hostPort)} ${tag} -j DROP`,
    });
  }
  rules.push(
    {
      ...OWN_CHAINS.dnat,
      rule: `${bound}${portMatch(protocol, '--dport', spec.hostPort)} ${tag} -j DNAT --to-destination ${destination}`,
    },
    {
      ...OWN_CHAINS.postrouting,
      rule: `-s ${target} -d ${target} ${portMatch(protocol, '--dport', spec.targetPort)} ${tag} -j MASQUERADE`,
    },
  );
  if (loopback) {
    rules.push({
      ...OWN_CHAINS.postrouting,
      rule: `-s 127.0.0.0/8 -d ${target} ${portMatch(protocol, '--dport', spec.targetPort)} ${tag} -j MASQUERADE`,
    });
  }
  rules.push(
    {
      ...OWN_CHAINS.forward,
      rule: `-d ${target} ${portMatch(protocol, '--dport', spec.targetPort)} -m conntrack --ctstate DNAT --ctorigdstport ${spec.hostPort} ${tag} -j ACCEPT`,
    },
    {
      ...OWN_CHAINS.forward,
      rule: `-s ${target} ${portMatch(protocol, '--sport', spec.targetPort)} -m conntrack --ctstate RELATED,ESTABLISHED ${tag} -j ACCEPT`,
    },
  );
  return rules;
}

export interface HookRule {
  table: RuleTable;
  /** The chain the hook sits in (a built-in chain, or DOCKER-USER). */
  chain: string;
  /** The rule text, which jumps to one of our chains. */
  rule: string;
  target: OwnChainName;
}

/** The jumps into our chains, each inserted first in its chain. */
export function hookRules(filterHookChain: string): HookRule[] {
  const tag = commentMatch(HOOK_COMMENT);
  return [
    {
      table: 'raw',
      chain: 'PREROUTING',
      rule: `${tag} -j ${OWN_CHAINS.raw.chain}`,
      target: OWN_CHAINS.raw.chain,
    },
    {
      table: 'nat',
      chain: 'PREROUTING',
      rule: `-m addrtype --dst-type LOCAL ${tag} -j ${OWN_CHAINS.dnat.chain}`,
      target: OWN_CHAINS.dnat.chain,
    },
    {
      table: 'nat',
      chain: 'OUTPUT',
      rule: `-m addrtype --dst-type LOCAL ${tag} -j ${OWN_CHAINS.dnat.chain}`,
      target: OWN_CHAINS.dnat.chain,
    },
    {
      table: 'nat',
      chain: 'POSTROUTING',
      rule: `${tag} -j ${OWN_CHAINS.postrouting.chain}`,
      target: OWN_CHAINS.postrouting.chain,
    },
    {
      table: 'filter',
      chain: filterHookChain,
      rule: `${tag} -j ${OWN_CHAINS.forward.chain}`,
      target: OWN_CHAINS.forward.chain,
    },
  ];
}

/**
 * Where a mapping answers, as its messages say it: on every address except loopback (its DNAT rule leaves
 * 127.0.0.0/8 alone, as Docker's does; Docker answers 127.0.0.1 through its userland proxy, this mapping does not),
 * on one address, or on 127.0.0.1 for this namespace only.
 */
export function reachability(spec: MappingSpec): string {
  if (spec.hostIp === null)
    return spec.family === 'ipv4' ? 'every address except 127.0.0.1' : 'every IPv6 address except ::1';
  if (isLoopback(spec.hostIp)) return `${spec.hostIp}, from this namespace only`;
  return `${spec.hostIp} only`;
}
