// Who wrote an iptables chain or rule, judged from chain names and rule comments.

/**
 * The writers we recognise. 'cni' is separate from 'kubernetes' and 'podman' because the CNI
 * plugins' chains (CNI-HOSTPORT-DNAT, CNI-DN-…, CNI-FORWARD) look the same whether containerd or
 * CRI-O (Kubernetes) or Podman 3 (CNI backend) called the plugin: the name alone cannot tell.
 */
export type ChainOwner =
  'docker' | 'kubernetes' | 'podman' | 'cni' | 'firewalld' | 'netns-explorer' | 'system' | 'unknown';

/** A rule's writer: never 'system', since the kernel writes no rules. */
export type RuleOwner = Exclude<ChainOwner, 'system'>;

/** Prefix of the chains this extension creates. */
export const OWN_CHAIN_PREFIX = 'NETNS-EXPLORER';
/** Prefix of the comments this extension puts on its rules. */
export const OWN_COMMENT_PREFIX = 'netns-explorer:';

const BUILTIN_CHAINS = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);

/** Name patterns, checked in order. DOCKER_ covers the embedded-DNS chains in a container's namespace. */
const NAME_OWNERS: readonly [RegExp, ChainOwner][] = [
  [/^NETNS-EXPLORER(?:$|-)/, 'netns-explorer'],
  [/^DOCKER(?:$|[-_])/, 'docker'],
  [/^KUBE-/, 'kubernetes'],
  // Netavark (Podman 4+) writes both NETAVARK-… and NETAVARK_…; PODMAN kept for older layouts.
  [/^(?:NETAVARK|PODMAN)/, 'podman'],
  [/^CNI-/, 'cni'],
];

/**
 * Who owns a chain, by its name alone. Built-in chains belong to the kernel ('system') whatever
 * rules they hold. The extension creates only its three NETNS-EXPLORER-* chains, so a chain with
 * any other name is not ours even when a rule in it carries our comment (copied by someone, or a
 * look-alike such as NETNS-EXPLORERX): the cleanup of leftovers draws the same line.
 */
export function chainOwner(chainName: string): ChainOwner {
  if (BUILTIN_CHAINS.has(chainName)) return 'system';
  for (const [pattern, owner] of NAME_OWNERS) {
    if (pattern.test(chainName)) return owner;
  }
  return 'unknown';
}

/** When several chains on a path have owners, the more specific writer wins (Kubernetes may run on Docker). */
const PATH_PRIORITY: readonly RuleOwner[] = ['netns-explorer', 'kubernetes', 'podman', 'cni', 'docker', 'firewalld'];

/**
 * Who wrote a rule reached along `chainPath` (hook first, the rule's chain last): our comment
 * marker first, then the chain owners in PATH_PRIORITY order; 'unknown' when only built-in or
 * unrecognised chains are on the path (a hand-written rule in PREROUTING).
 */
export function pathOwner(chainPath: readonly string[], comment: string | null): RuleOwner {
  if (comment !== null && isOwnComment(comment)) return 'netns-explorer';
  const owners = new Set<ChainOwner>(chainPath.map((chain) => chainOwner(chain)));
  return PATH_PRIORITY.find((owner) => owners.has(owner)) ?? 'unknown';
}

function isOwnComment(comment: string): boolean {
  return comment.startsWith(OWN_COMMENT_PREFIX);
}
