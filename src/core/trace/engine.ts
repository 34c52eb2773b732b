// Follows one packet through the namespaces of a snapshot, hook by hook, the way the kernel's netfilter does.
import { labelOrId } from '../labels';
import type { Family, Namespace, NamespaceId, NetInterface, RuleSet, Snapshot } from '../model';
import { endpoint, hostOf, isLoopback, parseIp, sameIp } from '../net/address';
import { ruleSetsOf, ruleSourceOf } from '../rules';
import type { HookChain } from '../rules/types';
import type { TableVerdict, WalkContext } from './chains';
import { findListener } from '../listeners';
import { connectionOfPacket, packetText, type Connection, type NatRecord, type Packet, type Tuple } from './packet';
import { listenerHint, proxyNotes } from './proxy';
import { interfaceAddress, ipKey, localInterface, namespaceAddresses, routeLookup, type RouteChoice } from './route';
import type { ChainVisit, NamespaceExtras, PathHop, RuleLink, TraceStep, Verdict } from './types';

const MAX_HOPS = 16;

/** Everything one walk of the path shares; a trace makes one per statistic outcome, plus one for the reply. */
export interface Walk {
  snapshot: Snapshot;
  extras: ReadonlyMap<NamespaceId, NamespaceExtras>;
  steps: TraceStep[];
  visits: ChainVisit[];
  path: PathHop[];
  nat: NatRecord[];
  /** The request's tuple as it entered each namespace: conntrack's original direction there. */
  tuples: Map<NamespaceId, Tuple>;
  choose: (where: string, probability: number) => boolean;
  hops: number;
  /** Namespaces where the request was untracked: there, conntrack holds no entry for its reply either. */
  untracked: Set<NamespaceId>;
  /** For the reply: where it ends. Null for the first packet (which ends at a listener). */
  replyTarget:
    { namespace: NamespaceId; kind: 'local' } | { namespace: NamespaceId; kind: 'outside'; iface: string } | null;
}

export function nsLabel(snapshot: Snapshot, id: NamespaceId): string {
  return labelOrId(
    snapshot.namespaces.find((n) => n.id === id),
    id,
  );
}

function note(
  w: Walk,
  ns: NamespaceId,
  p: Packet,
  kind: TraceStep['kind'],
  title: string,
  text: string,
  uncertain = false,
  assumptions: string[] = [],
  answer?: string | null,
): void {
  w.steps.push({
    namespace: ns,
    kind,
    depth: 0,
    title,
    text,
    packet: packetText(p),
    rule: null,
    assumptions,
    uncertain: uncertain || assumptions.length > 0,
    ...(answer ? { answer } : {}),
  });
}

function sysctl(w: Walk, ns: NamespaceId, key: string): string | undefined {
  return w.extras.get(ns)?.sysctls[key];
}

/**
 * `route_localnet` as the kernel reads it: the device's value OR `all` (kube-proxy sets only `all`). Unknown when
 * neither could be read.
 */
/** The br_netfilter switch for the packet's family (`bridge-nf-call-iptables`), as its sysctl path. */
function brNetfilterKey(p: Packet): string {
  return p.family === 'ipv4' ? 'bridge/bridge-nf-call-iptables' : 'bridge/bridge-nf-call-ip6tables';
}

function routeLocalnet(w: Walk, ns: NamespaceId, dev: string): { on: boolean; known: boolean; text: string } {
  const own = sysctl(w, ns, `ipv4/conf/${dev}/route_localnet`);
  const all = sysctl(w, ns, 'ipv4/conf/all/route_localnet');
  const on = own === '1' || all === '1';
  const known = on || (own !== undefined && all !== undefined);
  const text = `net.ipv4.conf.${dev}.route_localnet is ${own ?? 'unknown'}, net.ipv4.conf.all.route_localnet is ${all ?? 'unknown'}`;
  return { on, known, text };
}

/** The packet's connection in `ns`: the request's tuple there, and the reply tuple this namespace's NAT makes. */
function connectionIn(w: Walk, ns: NamespaceId, p: Packet): Connection {
  const original = w.tuples.get(ns);
  // A reply in a namespace the request never crossed: no NAT there, the packet alone tells the connection.
  if (original === undefined) return connectionOfPacket(p);
  const dnat = w.nat.find((r) => r.namespace === ns && r.kind === 'dnat');
  const snat = w.nat.find((r) => r.namespace === ns && r.kind === 'snat');
  return {
    direction: p.ctstate === 'NEW' ? 'ORIGINAL' : 'REPLY',
    original,
    reply: {
      src: dnat?.to.ip ?? original.dst,
      sport: dnat?.to.port ?? original.dport,
      dst: snat?.to.ip ?? original.src,
      dport: snat?.to.port ?? original.sport,
    },
  };
}

/** Which of a hook's chains one call runs: those up to or after a priority, and whether nat chains take part. */
interface HookPart {
  /** Only chains at or before this priority (OUTPUT up to nat, before the reroute a DNAT causes). */
  upTo?: number;
  /** Only chains after this priority (OUTPUT's filter and later, after that reroute). */
  after?: number;
  /** False where conntrack already decided NAT (a local packet looping back through lo). */
  nat?: boolean;
}

/** nat OUTPUT's priority: a DNAT there reroutes the packet before the chains after it. */
const OUTPUT_NAT = -100;

/** Where conntrack's NAT sits at a hook: dstnat before routing, srcnat after; FORWARD has none. */
function natPriority(hookName: string): number | null {
  if (hookName === 'FORWARD') return null;
  return hookName === 'PREROUTING' || hookName === 'OUTPUT' ? -100 : 100;
}

/** Each snapshot's base chains per namespace, hook and family, found once: the matrix walks the same hooks often. */
const hookIndex = new WeakMap<readonly RuleSet[], Map<NamespaceId, Map<string, HookChain[]>>>();

function hookChainsOf(all: readonly RuleSet[], nsId: NamespaceId, hookName: string, family: Family): HookChain[] {
  let index = hookIndex.get(all);
  if (!index) {
    index = new Map();
    hookIndex.set(all, index);
  }
  let perNs = index.get(nsId);
  if (!perNs) {
    perNs = new Map();
    index.set(nsId, perNs);
  }
  const key = family === 'ipv4' ? hookName : `6${hookName}`;
  let chains = perNs.get(key);
  if (!chains) {
    const sets = ruleSetsOf(all, nsId, family);
    chains = [];
    for (const source of new Set(sets.map(ruleSourceOf)))
      chains.push(
        ...source.hookChains(
          sets.filter((set) => ruleSourceOf(set) === source),
          hookName,
          family,
        ),
      );
    perNs.set(key, chains);
  }
  return chains;
}

/**
 * Runs the base chains of one hook in kernel priority order, every kind of rule set together (iptables' tables,
 * nftables' base chains): an accept ends only its own chain, a drop or reject ends the packet. Null when it goes on.
 */
function hook(w: Walk, ns: Namespace, p: Packet, name: string, part: HookPart = {}): Verdict | null {
  // The request's tuple when it first meets this namespace's hooks, before any NAT here: conntrack's original.
  if (p.ctstate === 'NEW' && !w.tuples.has(ns.id))
    w.tuples.set(ns.id, { src: p.src, sport: p.sport, dst: p.dst, dport: p.dport });
  if (p.at !== ns.id) enterConntrack(w, ns, p);
  const chains = hookChainsOf(w.snapshot.nat, ns.id, name, p.family);
  // No chain at this hook (most containers have no rules): only conntrack's part is left.
  const inPart = (priority: number) =>
    (part.upTo === undefined || priority <= part.upTo) && (part.after === undefined || priority > part.after);
  if (chains.length === 0) {
    const at = natPriority(name);
    if (at !== null && part.nat !== false && p.ctstate !== 'NEW' && inPart(at) && !p.untracked) unNat(w, ns, p, name);
    untrackedReplyCheck(w, ns, p, name);
    return null;
  }
  const ctx: WalkContext = {
    namespace: ns.id,
    family: p.family,
    env: {
      addresses: namespaceAddresses(ns),
      hook: name,
      // Read when a rule asks: a DNAT earlier in this hook (nat OUTPUT before filter OUTPUT) changes it.
      get connection() {
        return connectionIn(w, ns.id, p);
      },
    },
    ifaceAddress: (ifname) => interfaceAddress(ns, ifname, p.family),
    choose: w.choose,
    steps: w.steps,
    visits: w.visits,
    nat: w.nat,
  };
  // Conntrack un-NATs a reply where the nat chains would run; they themselves see only the first packet.
  const unNatAt = natPriority(name) ?? Infinity;
  // An untracked packet has no conntrack entry: nothing to un-NAT, and nat chains never see it (checked per chain, as a
  // raw rule earlier in this hook may untrack it).
  let unNatted = unNatAt === Infinity || part.nat === false || p.ctstate === 'NEW' || !inPart(unNatAt);
  const runs = chains.filter((c) => inPart(c.priority) && (!c.nat || (part.nat !== false && p.ctstate === 'NEW')));
  runs.sort((a, b) => a.priority - b.priority);
  let skippedNat = false;
  for (const chain of runs) {
    if (!unNatted && chain.priority >= unNatAt) {
      if (!p.untracked) unNat(w, ns, p, name);
      unNatted = true;
    }
    if (chain.nat && p.untracked) {
      if (!skippedNat)
        note(w, ns.id, p, 'note', chain.label, 'the packet is untracked: no nat chain sees it, so no NAT applies here');
      skippedNat = true;
      continue;
    }
    const verdict = tableVerdict(ns, p, chain.run(ctx, p));
    if (p.ctstate === 'NEW' && p.untracked) w.untracked.add(ns.id);
    if (verdict) return verdict;
  }
  if (!unNatted && !p.untracked) unNat(w, ns, p, name);
  untrackedReplyCheck(w, ns, p, name);
  return null;
}

/**
 * The packet meets this namespace's conntrack for the first time: the request starts tracked (NEW); a reply is
 * untracked where its request was, since conntrack kept no entry there.
 */
function enterConntrack(w: Walk, ns: Namespace, p: Packet): void {
  p.at = ns.id;
  p.untrackedByRule = false;
  p.untracked = p.ctstate !== 'NEW' && w.untracked.has(ns.id);
}

/**
 * A reply taken as untracked because its request was: right when a rule untracks it too (a NOTRACK for both
 * directions), an assumption otherwise (conntrack may see it as a new connection, or call it INVALID).
 */
function untrackedReplyCheck(w: Walk, ns: Namespace, p: Packet, hookName: string): void {
  if (p.ctstate === 'NEW' || !p.untracked || p.untrackedByRule || (hookName !== 'PREROUTING' && hookName !== 'OUTPUT'))
    return;
  note(
    w,
    ns.id,
    p,
    'note',
    'conntrack',
    'the request was not tracked here, so conntrack holds no entry for this reply; no rule untracked the reply itself, so the trace takes it as untracked (conntrack may track it as new, or call it INVALID)',
    true,
  );
  p.untrackedByRule = true; // said once per namespace
}

function tableVerdict(ns: Namespace, p: Packet, v: TableVerdict): Verdict | null {
  if (v.kind === 'accept') return null;
  if (v.kind === 'drop') return { kind: 'dropped', namespace: ns.id, reason: `dropped by ${v.reason}`, rule: v.rule };
  const refused = /port-unreach|tcp-reset|adm-prohibited/.test(v.with) && !/host|net/.test(v.with);
  const rule: RuleLink = v.rule;
  if (refused || v.with.includes('port'))
    return {
      kind: 'refused',
      namespace: ns.id,
      ip: p.dst,
      port: p.dport,
      reason: `rejected (${v.with}) by ${rule.table} ${rule.chain} rule ${rule.index + 1}`,
      rule,
    };
  return {
    kind: 'unreachable',
    namespace: ns.id,
    reason: `rejected (${v.with}) by ${rule.table} ${rule.chain} rule ${rule.index + 1}`,
    rule,
  };
}

/** Conntrack's reverse translation for a reply: SNAT is undone before routing, DNAT after. */
function unNat(w: Walk, ns: Namespace, p: Packet, hookName: string): void {
  const before = ['PREROUTING', 'OUTPUT'].includes(hookName);
  for (const r of w.nat) {
    if (r.namespace !== ns.id) continue;
    if (before && r.kind === 'snat' && sameIp(p.dst, r.to.ip) && p.dport === r.to.port) {
      p.dst = r.from.ip;
      p.dport = r.from.port;
      note(
        w,
        ns.id,
        p,
        'nat',
        `conntrack ${hookName}`,
        `reply: the earlier SNAT is undone, destination back to ${endpoint(p.dst, p.dport)}`,
      );
    }
    if (!before && r.kind === 'dnat' && sameIp(p.src, r.to.ip) && p.sport === r.to.port) {
      p.src = r.from.ip;
      p.sport = r.from.port;
      note(
        w,
        ns.id,
        p,
        'nat',
        `conntrack ${hookName}`,
        `reply: the earlier DNAT is undone, source back to ${endpoint(p.src, p.sport)}`,
      );
    }
  }
}

const byId = new WeakMap<Snapshot, Map<NamespaceId, Namespace>>();

function nsOf(w: Walk, id: NamespaceId): Namespace {
  let index = byId.get(w.snapshot);
  if (!index) {
    index = new Map(w.snapshot.namespaces.map((n) => [n.id, n]));
    byId.set(w.snapshot, index);
  }
  const ns = index.get(id);
  if (!ns) throw new Error(`namespace ${id} is not in the snapshot`);
  return ns;
}

/**
 * The routing decision for `p` in `ns` by the namespace's `ip rule` list (read with the trace's extras). A locally
 * generated packet looks up from `lo`, and once it has a source the kernel looks up again with it (ip_route_connect).
 */
function lookup(w: Walk, ns: Namespace, p: Packet, iif: string): RouteChoice {
  const rules = w.extras.get(ns.id)?.rules ?? null;
  const flow = { iif, mark: p.mark, protocol: p.protocol, sport: p.sport, dport: p.dport, rules };
  let route = routeLookup(ns, p.dst, { ...flow, src: p.src });
  if (iif === 'lo' && p.src === '' && route.kind !== 'none' && rules?.some((r) => r.from !== null)) {
    const src =
      (route.kind === 'via' ? route.prefsrc : null) ??
      (route.kind === 'local' ? p.dst : interfaceAddress(ns, route.dev, p.family));
    if (src) route = routeLookup(ns, p.dst, { ...flow, src });
  }
  if (route.uncertain !== undefined) note(w, ns.id, p, 'route', 'policy routing', route.uncertain, true);
  return route;
}

/** A packet sent by a process in `ns`. */
export function sendLocal(w: Walk, nsId: NamespaceId, p: Packet): Verdict {
  const ns = nsOf(w, nsId);
  w.path.push({ namespace: ns.id, inIface: null, outIface: null });
  let route = lookup(w, ns, p, 'lo');
  if (route.kind === 'none') {
    note(w, ns.id, p, 'route', 'routing', `${route.reason}: the sender gets "network unreachable" at once`);
    return { kind: 'unreachable', namespace: ns.id, reason: route.reason, rule: null };
  }
  const outDev = route.kind === 'local' ? 'lo' : route.dev;
  if (p.src === '')
    p.src =
      (route.kind === 'via' ? route.prefsrc : null) ??
      (route.kind === 'local' ? p.dst : interfaceAddress(ns, outDev, p.family)) ??
      '';
  p.inIface = null;
  p.outIface = outDev;
  note(
    w,
    ns.id,
    p,
    'route',
    'routing',
    route.kind === 'local'
      ? `${p.dst} is an address of this namespace: the packet goes through lo (locally generated packets take OUTPUT, not PREROUTING)`
      : `route ${route.text}: out of ${route.dev}${route.gateway ? ` via ${route.gateway}` : ''}, source ${p.src}`,
  );
  const dstBefore = `${p.dst}:${p.dport}`;
  const v = hook(w, ns, p, 'OUTPUT', { upTo: OUTPUT_NAT });
  if (v) return v;
  if (`${p.dst}:${p.dport}` !== dstBefore) {
    // DNAT in nat OUTPUT: the kernel routes the packet again right there (ip_route_me_harder), before filter OUTPUT.
    route = lookup(w, ns, p, 'lo');
    if (route.kind === 'none') {
      note(w, ns.id, p, 'route', 'rerouting', `after DNAT: ${route.reason}`);
      return { kind: 'unreachable', namespace: ns.id, reason: route.reason, rule: null };
    }
    p.outIface = route.kind === 'local' ? 'lo' : route.dev;
    note(
      w,
      ns.id,
      p,
      'route',
      'rerouting',
      route.kind === 'local' ? `after DNAT ${p.dst} is local` : `after DNAT: route ${route.text}, out of ${route.dev}`,
    );
    if (isLoopback(p.src) && p.outIface !== 'lo') {
      const localnet = routeLocalnet(w, ns.id, p.outIface ?? '');
      if (p.family === 'ipv6' || !localnet.on) {
        const why =
          p.family === 'ipv4' ? ` (${localnet.text}; Docker sets it to 1 only without the userland proxy)` : '';
        note(
          w,
          ns.id,
          p,
          'route',
          'rerouting',
          `the source ${p.src} is a loopback address and may not leave through ${p.outIface}${why}: the kernel drops the packet`,
          p.family === 'ipv4' && !localnet.known,
        );
        return {
          kind: 'dropped',
          namespace: ns.id,
          reason: `loopback source ${p.src} cannot be routed out of ${p.outIface} without route_localnet`,
          rule: null,
        };
      }
      note(
        w,
        ns.id,
        p,
        'route',
        'rerouting',
        `route_localnet is 1 on ${p.outIface}: a 127.0.0.0/8 source may leave; a MASQUERADE in POSTROUTING must rewrite it or the receiver drops it`,
      );
    }
  }
  const filtered = hook(w, ns, p, 'OUTPUT', { after: OUTPUT_NAT });
  if (filtered) return filtered;
  const post = hook(w, ns, p, 'POSTROUTING');
  if (post) return post;
  if (p.outIface === 'lo') return loopbackInput(w, ns, p);
  return transmit(w, ns, p, p.outIface ?? '', route.kind === 'via' ? route.nexthop : p.dst);
}

/**
 * A locally generated packet to a local address comes back in through lo: PREROUTING and INPUT, nat already decided.
 */
function loopbackInput(w: Walk, ns: Namespace, p: Packet): Verdict {
  p.inIface = 'lo';
  p.outIface = null;
  const hop = w.path[w.path.length - 1];
  if (hop) hop.inIface = 'lo';
  note(
    w,
    ns.id,
    p,
    'hop',
    'loopback',
    'back in through lo; conntrack already knows the connection, so nat is not consulted again',
  );
  const v = hook(w, ns, p, 'PREROUTING', { nat: false }) ?? hook(w, ns, p, 'INPUT', { nat: false });
  return v ?? deliver(w, ns, p);
}

/**
 * br_netfilter DNATs a frame while the bridge still holds it; when the new destination is behind the port the frame
 * came in on, the bridge must send it back out that port, which it does only with the port's hairpin mode on (the
 * bridge drops it otherwise). Without br_netfilter the frame went up to the IP layer and leaves through the bridge
 * device, so no hairpin is needed.
 */
function hairpinCheck(w: Walk, ns: Namespace, p: Packet, bridge: string, port: string): Verdict | null {
  if (sysctl(w, ns.id, brNetfilterKey(p)) !== '1') return null;
  const back = ns.interfaces.find(
    (i) => i.name === port && i.master === bridge && i.peer !== null && ownsAddress(nsOf(w, i.peer.namespace), p.dst),
  );
  if (!back) return null;
  if (back.hairpin === true) {
    note(
      w,
      ns.id,
      p,
      'hop',
      `bridge ${bridge}`,
      `hairpin mode is on for ${port}: the DNATed frame may go back out the port it came in on`,
    );
    return null;
  }
  note(
    w,
    ns.id,
    p,
    'hop',
    `bridge ${bridge}`,
    `the DNAT sends the frame back out ${port}, the port it came in on, and hairpin mode is ${back.hairpin === false ? 'off' : 'unknown'} there: the bridge drops it (bridge link set dev ${port} hairpin on)`,
    back.hairpin === undefined,
  );
  return { kind: 'dropped', namespace: ns.id, reason: `hairpin mode is off on ${port} of ${bridge}`, rule: null };
}

/**
 * Reverse-path filtering on the receiving interface (IPv4; the stricter of the device's and `all`): strict (1) wants
 * the route back to the source to leave through this interface, loose (2) any route back.
 */
function rpFilter(w: Walk, ns: Namespace, p: Packet, ifname: string): Verdict | null {
  if (p.family !== 'ipv4' || ifname === 'lo') return null;
  const own = Number(sysctl(w, ns.id, `ipv4/conf/${ifname}/rp_filter`) ?? 0);
  const all = Number(sysctl(w, ns.id, 'ipv4/conf/all/rp_filter') ?? 0);
  const mode = Math.max(own, all);
  if (mode !== 1 && mode !== 2) return null;
  const rules = w.extras.get(ns.id)?.rules ?? null;
  const back = routeLookup(ns, p.src, { src: p.dst, iif: 'lo', mark: p.mark, rules });
  const ok = mode === 2 ? back.kind !== 'none' : back.kind === 'local' || (back.kind === 'via' && back.dev === ifname);
  if (ok) return null;
  const way = back.kind === 'via' ? `through ${back.dev}` : back.kind === 'none' ? 'nowhere (no route)' : 'locally';
  note(
    w,
    ns.id,
    p,
    'route',
    'rp_filter',
    `${mode === 1 ? 'strict' : 'loose'} reverse-path filtering on ${ifname} (rp_filter = ${mode}): the route back to ${p.src} goes ${way}, so the kernel drops the packet`,
  );
  return {
    kind: 'dropped',
    namespace: ns.id,
    reason: `rp_filter on ${ifname}: no route back to ${p.src} through it`,
    rule: null,
  };
}

/** IPv4 martians at the routing decision: a 127.0.0.0/8 source or destination arriving on a device other than lo. */
function martianCheck(w: Walk, ns: Namespace, p: Packet, ifname: string): Verdict | null {
  if (ifname === 'lo') return null;
  const kind = isLoopback(p.src) ? 'source' : isLoopback(p.dst) ? 'destination' : null;
  if (kind === null) return null;
  const address = kind === 'source' ? p.src : p.dst;
  const localnet = routeLocalnet(w, ns.id, ifname);
  if (localnet.on) {
    note(
      w,
      ns.id,
      p,
      'route',
      'routing',
      `the ${kind} ${address} is in 127.0.0.0/8, allowed on ${ifname} (${localnet.text})`,
    );
    return null;
  }
  note(
    w,
    ns.id,
    p,
    'route',
    `martian ${kind}`,
    `the ${kind} ${address} is a loopback address arriving on ${ifname}: the kernel drops it as a martian (${localnet.text})`,
    !localnet.known,
  );
  return { kind: 'dropped', namespace: ns.id, reason: `martian ${kind} ${address} on ${ifname}`, rule: null };
}

/** A packet arriving on `ifname` of `ns` from the wire (a veth peer or a bridge). */
export function receive(
  w: Walk,
  nsId: NamespaceId,
  p: Packet,
  ifname: string,
  bridged: Packet['bridged'] = null,
  /** The bridge port a frame for the bridge's own address came in through. */
  viaPort: string | null = null,
): Verdict {
  const ns = nsOf(w, nsId);
  w.path.push({ namespace: ns.id, inIface: ifname, outIface: null });
  if (p.mark !== 0) {
    // A veth hands the packet to another namespace scrubbed (skb_scrub_packet): its firewall mark is gone.
    note(
      w,
      ns.id,
      p,
      'hop',
      'mark',
      `the mark 0x${p.mark.toString(16)} set in the last namespace is cleared on the way in`,
    );
    p.mark = 0;
  }
  p.inIface = ifname;
  p.outIface = null;
  p.bridged = bridged;
  // br_netfilter tells iptables which bridge port a routed frame came in through (`--physdev-in`).
  p.physIn = viaPort !== null && sysctl(w, ns.id, brNetfilterKey(p)) === '1' ? viaPort : null;
  // IPv6 drops ::1 from or to a device other than lo before any hook (ip6_rcv_core, RFC 4291 2.5.3).
  if (p.family === 'ipv6' && ifname !== 'lo' && (isLoopback(p.src) || isLoopback(p.dst))) {
    const which = isLoopback(p.dst) ? `destination ${p.dst}` : `source ${p.src}`;
    note(
      w,
      ns.id,
      p,
      'route',
      'martian',
      `the ${which} is the loopback address arriving on ${ifname}: the kernel drops it before any firewall hook`,
    );
    return { kind: 'dropped', namespace: ns.id, reason: `loopback ${which} on ${ifname}`, rule: null };
  }
  const dstBefore = `${p.dst}:${p.dport}`;
  const pre = hook(w, ns, p, 'PREROUTING');
  if (pre) return pre;
  const hairpin =
    viaPort !== null && `${p.dst}:${p.dport}` !== dstBefore ? hairpinCheck(w, ns, p, ifname, viaPort) : null;
  if (hairpin) return hairpin;
  // The routing decision, after all of PREROUTING (so after a DNAT there), refuses 127.0.0.0/8 from the wire as a
  // martian source or destination unless route_localnet allows it. CVE-2020-8558 was a host that allowed it.
  const martian = p.family === 'ipv4' ? martianCheck(w, ns, p, ifname) : null;
  if (martian) return martian;
  const reversePath = rpFilter(w, ns, p, ifname);
  if (reversePath) return reversePath;
  const route = lookup(w, ns, p, ifname);
  if (route.kind === 'local') {
    note(
      w,
      ns.id,
      p,
      'route',
      'routing',
      `${p.dst} is an address of this namespace (${route.dev}): local delivery, INPUT`,
    );
    const v = hook(w, ns, p, 'INPUT');
    return v ?? deliver(w, ns, p);
  }
  if (route.kind === 'none') {
    note(w, ns.id, p, 'route', 'routing', `${route.reason}: the packet is dropped (the sender may get an ICMP error)`);
    return { kind: 'unreachable', namespace: ns.id, reason: route.reason, rule: null };
  }
  const key = p.family === 'ipv4' ? 'ipv4/ip_forward' : 'ipv6/conf/all/forwarding';
  const forwarding = sysctl(w, ns.id, key);
  if (forwarding === '0') {
    note(
      w,
      ns.id,
      p,
      'route',
      'routing',
      `${p.dst} is not local and forwarding is off (${key.replace(/\//g, '.')} = 0): dropped`,
    );
    return {
      kind: 'dropped',
      namespace: ns.id,
      reason: `forwarding is off (${key.replace(/\//g, '.')} = 0)`,
      rule: null,
    };
  }
  p.outIface = route.dev;
  note(
    w,
    ns.id,
    p,
    'route',
    'routing',
    `route ${route.text}: forwarded out of ${route.dev}${forwarding === undefined ? ' (forwarding assumed on: the sysctl was not read)' : ''}`,
    forwarding === undefined,
  );
  const v = hook(w, ns, p, 'FORWARD') ?? hook(w, ns, p, 'POSTROUTING');
  if (v) return v;
  return transmit(w, ns, p, route.dev, route.nexthop);
}

function ifaceOf(ns: Namespace, name: string): NetInterface | undefined {
  return ns.interfaces.find((i) => i.name === name);
}

/** Per namespace and bridge: which ports lead to the owner of an address (by ipKey), in interface order. */
const bridgeOwners = new WeakMap<Namespace, Map<string, Map<string, NetInterface[]>>>();

/** The port of `bridge` (not `except`) whose far end owns `ip`: a bridge of 200 ports is asked once per cell. */
function portOwning(w: Walk, ns: Namespace, bridge: string, ip: string, except: string): NetInterface | undefined {
  const parsed = parseIp(ip);
  if (parsed === null || isLoopback(ip)) return undefined;
  let perBridge = bridgeOwners.get(ns);
  if (!perBridge) {
    perBridge = new Map();
    bridgeOwners.set(ns, perBridge);
  }
  let owners = perBridge.get(bridge);
  if (!owners) {
    owners = new Map();
    for (const i of ns.interfaces) {
      if (i.master !== bridge || i.peer === null) continue;
      for (const iface of nsOf(w, i.peer.namespace).interfaces)
        for (const a of iface.addresses) {
          const held = parseIp(hostOf(a));
          if (held === null) continue;
          const list = owners.get(ipKey(held)) ?? [];
          if (!list.includes(i)) list.push(i);
          owners.set(ipKey(held), list);
        }
    }
    perBridge.set(bridge, owners);
  }
  return owners.get(ipKey(parsed))?.find((i) => i.name !== except);
}

/** Who on the other side of a link owns `nexthop`: the veth peer namespace (or, on a bridge, a port's). */
function ownsAddress(ns: Namespace, ip: string): boolean {
  return localInterface(ns, ip) !== undefined && !isLoopback(ip);
}

/** The packet leaves `ns` through `dev` towards `nexthop`. */
function transmit(w: Walk, ns: Namespace, p: Packet, dev: string, nexthop: string): Verdict {
  if (++w.hops > MAX_HOPS) {
    note(w, ns.id, p, 'note', 'loop', `more than ${MAX_HOPS} hops: stopped`, true);
    return { kind: 'dropped', namespace: ns.id, reason: 'routing loop', rule: null };
  }
  const hop = w.path[w.path.length - 1];
  if (hop) hop.outIface = dev;
  if (w.replyTarget?.kind === 'outside' && w.replyTarget.namespace === ns.id) {
    if (w.replyTarget.iface === dev && isLoopback(p.src)) {
      // conntrack undid a DNAT of a request sent to 127.0.0.0/8 (or ::1): the reply carries a loopback source on
      // the wire, and the client's kernel drops it as a martian. The request itself did reach its target.
      note(
        w,
        ns.id,
        p,
        'hop',
        'leaves',
        `out of ${dev} with the loopback source ${p.src}: the client's kernel drops it as a martian (a Linux client accepts it only with route_localnet on and no 127.0.0.0/8 address of its own), so the connection never completes; the request itself was delivered (the CVE-2020-8558 shape)`,
      );
      return { kind: 'dropped', namespace: ns.id, reason: `the reply leaves ${dev} from ${p.src}`, rule: null };
    }
    const ok = w.replyTarget.iface === dev;
    note(
      w,
      ns.id,
      p,
      'hop',
      'leaves',
      ok
        ? `out of ${dev}, back to the client`
        : `out of ${dev}, not ${w.replyTarget.iface} where the request came in: the client never sees it`,
      !ok,
    );
    return ok
      ? { kind: 'delivered', namespace: ns.id, ip: p.dst, port: p.dport, process: null, pid: null }
      : { kind: 'dropped', namespace: ns.id, reason: `the reply leaves through ${dev}`, rule: null };
  }
  const iface = ifaceOf(ns, dev);
  if (iface?.kind === 'bridge') {
    const port = ns.interfaces.find(
      (i) => i.master === dev && i.peer !== null && ownsAddress(nsOf(w, i.peer.namespace), nexthop),
    );
    if (!port || !port.peer) {
      const uplink = uplinkPort(ns, dev);
      if (uplink) return leaveByUplink(w, ns, p, dev, uplink, nexthop);
      note(
        w,
        ns.id,
        p,
        'hop',
        `bridge ${dev}`,
        `no port of ${dev} leads to a namespace owning ${nexthop}: nobody answers ARP/ND for it (a connect times out or reports "no route to host")`,
      );
      return { kind: 'unreachable', namespace: ns.id, reason: `nobody on ${dev} has ${nexthop}`, rule: null };
    }
    note(
      w,
      ns.id,
      p,
      'hop',
      `bridge ${dev}`,
      `out of ${dev} through port ${port.name}, across the veth to ${port.peer.ifname} in ${nsLabel(w.snapshot, port.peer.namespace)}`,
    );
    return arrive(w, port.peer.namespace, port.peer.ifname, p, nexthop);
  }
  if (iface?.peer) {
    note(
      w,
      ns.id,
      p,
      'hop',
      `veth ${dev}`,
      `out of ${dev}, across the veth to ${iface.peer.ifname} in ${nsLabel(w.snapshot, iface.peer.namespace)}`,
    );
    return arrive(w, iface.peer.namespace, iface.peer.ifname, p, nexthop);
  }
  note(
    w,
    ns.id,
    p,
    'hop',
    dev,
    `leaves through ${dev} (${iface?.kind ?? 'unknown device'}): what happens beyond it is outside this host's view`,
    true,
  );
  return { kind: 'left', namespace: ns.id, iface: dev, reason: `left through ${dev}` };
}

/** The frame reaches `ifname` of `nsId`: taken in, or switched by the bridge it is a port of. */
function arrive(w: Walk, nsId: NamespaceId, ifname: string, p: Packet, nexthop: string): Verdict {
  const ns = nsOf(w, nsId);
  const iface = ifaceOf(ns, ifname);
  if (iface?.master) {
    const bridge = iface.master;
    if (ownsAddress(ns, nexthop)) return receive(w, ns.id, p, bridge, null, ifname);
    const out = portOwning(w, ns, bridge, nexthop, ifname);
    if (!out || !out.peer) {
      const uplink = uplinkPort(ns, bridge, ifname);
      if (uplink) return leaveByUplink(w, ns, p, bridge, uplink, nexthop);
      note(w, ns.id, p, 'hop', `bridge ${bridge}`, `nobody on ${bridge} owns ${nexthop}: ARP/ND goes unanswered`);
      return { kind: 'unreachable', namespace: ns.id, reason: `nobody on ${bridge} has ${nexthop}`, rule: null };
    }
    return bridge4(w, ns, p, bridge, ifname, out);
  }
  if (!ownsAddress(ns, nexthop) && proxyArp(w, ns, ifname, p)) {
    // Calico's shape: the container's gateway (169.254.1.1) is nobody's address, the host side answers ARP for it.
    note(w, ns.id, p, 'hop', ifname, `${ifname} answers ARP for ${nexthop} (proxy_arp): the host takes the packet`);
    return receive(w, ns.id, p, ifname);
  }
  if (!ownsAddress(ns, nexthop)) {
    note(
      w,
      ns.id,
      p,
      'hop',
      ifname,
      `${nsLabel(w.snapshot, ns.id)} does not own ${nexthop}: nobody answers ARP/ND for it`,
    );
    return { kind: 'unreachable', namespace: ns.id, reason: `nobody owns ${nexthop}`, rule: null };
  }
  return receive(w, ns.id, p, ifname);
}

/**
 * A bridge port that leads off this host's namespaces: a physical device, a VXLAN or other tunnel, or a veth whose
 * other end is not in the snapshot. Frames for an address no known namespace owns may leave through it.
 */
function uplinkPort(ns: Namespace, bridge: string, except: string | null = null): NetInterface | undefined {
  return ns.interfaces.find((i) => i.master === bridge && i.name !== except && i.peer === null && i.kind !== 'bridge');
}

function leaveByUplink(
  w: Walk,
  ns: Namespace,
  p: Packet,
  bridge: string,
  port: NetInterface,
  nexthop: string,
): Verdict {
  note(
    w,
    ns.id,
    p,
    'hop',
    `bridge ${bridge}`,
    `no namespace on ${bridge} owns ${nexthop}; the bridge floods the frame to its port ${port.name} (${port.kind}), which leads off this host: what happens beyond it is outside this view`,
    true,
  );
  return { kind: 'left', namespace: ns.id, iface: port.name, reason: `left through ${bridge} port ${port.name}` };
}

/** Whether `ifname` answers ARP for addresses it routes (proxy_arp, the device's OR all); IPv4 only. */
function proxyArp(w: Walk, ns: Namespace, ifname: string, p: Packet): boolean {
  if (p.family !== 'ipv4') return false;
  return (
    sysctl(w, ns.id, `ipv4/conf/${ifname}/proxy_arp`) === '1' || sysctl(w, ns.id, 'ipv4/conf/all/proxy_arp') === '1'
  );
}

/** A bridge switches the frame between two ports; br_netfilter may hand it to iptables on the way. */
function bridge4(w: Walk, ns: Namespace, p: Packet, bridge: string, inPort: string, out: NetInterface): Verdict {
  w.path.push({ namespace: ns.id, inIface: inPort, outIface: out.name });
  const key = brNetfilterKey(p);
  const nf = sysctl(w, ns.id, key);
  note(
    w,
    ns.id,
    p,
    'hop',
    `bridge ${bridge}`,
    `switched by ${bridge} from port ${inPort} to port ${out.name}${nf === '1' ? `; br_netfilter is on (${key.replace('/', '.')} = 1), so iptables sees it with -i ${bridge} -o ${bridge}` : nf === undefined ? '; whether br_netfilter hands it to iptables is unknown (assumed not)' : ''}`,
    nf === undefined,
  );
  if (nf === '1') {
    p.inIface = bridge;
    p.outIface = null;
    p.bridged = { inPort, outPort: out.name };
    const dst = p.dst;
    const pre = hook(w, ns, p, 'PREROUTING');
    if (pre) return pre;
    if (p.dst !== dst)
      note(
        w,
        ns.id,
        p,
        'note',
        'bridge',
        'DNAT on a bridged packet makes br_netfilter route it again; not modelled',
        true,
      );
    p.outIface = bridge;
    const v = hook(w, ns, p, 'FORWARD') ?? hook(w, ns, p, 'POSTROUTING');
    if (v) return v;
    p.bridged = null;
  }
  if (!out.peer) return { kind: 'left', namespace: ns.id, iface: out.name, reason: `left through ${out.name}` };
  const peer = out.peer;
  return receive(w, peer.namespace, p, peer.ifname);
}

/** The packet reached a local address: a listening socket takes it, or the sender is refused. */
function deliver(w: Walk, ns: Namespace, p: Packet): Verdict {
  if (w.replyTarget) {
    const ok = w.replyTarget.namespace === ns.id;
    note(
      w,
      ns.id,
      p,
      'deliver',
      'reply',
      ok
        ? 'the reply reaches the connecting socket'
        : `the reply ends in ${nsLabel(w.snapshot, ns.id)}, not where the request started`,
      !ok,
    );
    return ok
      ? { kind: 'delivered', namespace: ns.id, ip: p.dst, port: p.dport, process: null, pid: null }
      : { kind: 'dropped', namespace: ns.id, reason: 'the reply went astray', rule: null };
  }
  const listeners = w.extras.get(ns.id)?.listeners ?? null;
  const notes = proxyNotes(w.snapshot, ns, p, listeners);
  if (listeners === null) {
    note(
      w,
      ns.id,
      p,
      'deliver',
      'listener',
      `delivered to ${endpoint(p.dst, p.dport)}; whether anything listens here is unknown (ss was not read)`,
      true,
    );
    return { kind: 'delivered', namespace: ns.id, ip: p.dst, port: p.dport, process: null, pid: null };
  }
  const l = findListener(listeners, p.protocol, p.dst, p.dport);
  if (!l) {
    note(
      w,
      ns.id,
      p,
      'deliver',
      'listener',
      `nothing listens on ${p.protocol} port ${p.dport} here: ${p.protocol === 'tcp' ? 'the kernel answers with a TCP reset' : 'the kernel answers with ICMP port unreachable'}, the sender sees "connection refused"`,
    );
    for (const n of notes) note(w, ns.id, p, 'note', 'why', n.text, false, [], n.answer);
    // No mapping explains it: say what does listen here, the usual answer to a refused connection.
    const hint = notes.length === 0 ? listenerHint(p, listeners) : null;
    if (hint) note(w, ns.id, p, 'note', 'why', hint.text, false, [], hint.answer);
    return {
      kind: 'refused',
      namespace: ns.id,
      ip: p.dst,
      port: p.dport,
      reason: `nothing listens on ${p.protocol} ${endpoint(p.dst, p.dport)} in ${nsLabel(w.snapshot, ns.id)}`,
      rule: null,
    };
  }
  const proc = l.processes[0] ?? null;
  note(
    w,
    ns.id,
    p,
    'deliver',
    'listener',
    `${proc ? `process ${proc.command} (pid ${proc.pid})` : 'a socket'} listens on ${endpoint(l.address, l.port)}/${l.protocol}: delivered`,
  );
  for (const n of notes) note(w, ns.id, p, 'note', 'why', n.text, false, [], n.answer);
  return {
    kind: 'delivered',
    namespace: ns.id,
    ip: p.dst,
    port: p.dport,
    process: proc?.command ?? null,
    pid: proc?.pid ?? null,
  };
}
