// Pairs veth ends across namespaces, where ifindex values collide and nsids are only local hints.
import type { NamespaceId, NetInterface, PeerRef, VethPair } from './model';

export interface PairingNamespace {
  id: NamespaceId;
  name: string | null;
  interfaces: NetInterface[];
  /** This namespace's nsid -> name map (`ip netns list-id`), for named peers only. */
  nsidNames: Map<number, string>;
}

interface End {
  ns: PairingNamespace;
  iface: NetInterface;
  candidates: End[];
  peer: End | null;
}

const endKey = (e: End): string => `${e.ns.id}/${e.iface.ifindex}`;

/**
 * Resolves every veth's peer in place (sets `iface.peer`) and returns the pairs, each once.
 *
 * Two ends A and B match when A.link_index == B.ifindex and B.link_index == A.ifindex. Where
 * several namespaces hold such a candidate (normal: every container's eth0 is ifindex 2), the
 * nsid hints narrow it down: a named peer's nsid maps to its name, and once one pair between
 * two namespaces is certain, every other end using the same nsid must point to the same place.
 */
export function pairVeths(namespaces: PairingNamespace[]): VethPair[] {
  const byName = new Map<string, NamespaceId>();
  for (const ns of namespaces) if (ns.name !== null) byName.set(ns.name, ns.id);

  const ends: End[] = [];
  const crossIndex = new Map<string, End[]>();
  for (const ns of namespaces) {
    for (const iface of ns.interfaces) {
      iface.peer = null;
      if (iface.kind !== 'veth' || iface.linkIndex === null) continue;
      const end: End = { ns, iface, candidates: [], peer: null };
      ends.push(end);
      const key = `${iface.ifindex}:${iface.linkIndex}:${iface.linkNetnsId === null ? 'local' : 'remote'}`;
      const list = crossIndex.get(key);
      if (list) list.push(end);
      else crossIndex.set(key, [end]);
    }
  }

  // nsid hints learned so far: "namespace X calls namespace Y by nsid N".
  const learned = new Map<string, NamespaceId>();
  const hint = (ns: PairingNamespace, nsid: number | null): NamespaceId | undefined => {
    if (nsid === null) return undefined;
    const known = learned.get(`${ns.id}#${nsid}`);
    if (known !== undefined) return known;
    const name = ns.nsidNames.get(nsid);
    return name === undefined ? undefined : byName.get(name);
  };
  const compatible = (a: End, b: End): boolean => {
    if (a.iface.linkNetnsId === null) return a.ns === b.ns;
    if (a.ns === b.ns) return false;
    const aSays = hint(a.ns, a.iface.linkNetnsId);
    const bSays = hint(b.ns, b.iface.linkNetnsId);
    return (aSays === undefined || aSays === b.ns.id) && (bSays === undefined || bSays === a.ns.id);
  };

  for (const end of ends) {
    const kind = end.iface.linkNetnsId === null ? 'local' : 'remote';
    end.candidates = (crossIndex.get(`${end.iface.linkIndex}:${end.iface.ifindex}:${kind}`) ?? []).filter(
      (c) => c !== end && compatible(end, c),
    );
  }

  let progress = true;
  while (progress) {
    progress = false;
    for (const end of ends) {
      if (end.peer !== null) continue;
      end.candidates = end.candidates.filter((c) => c.peer === null && compatible(end, c));
      const only = end.candidates.length === 1 ? end.candidates[0] : undefined;
      if (only === undefined) continue;
      only.candidates = only.candidates.filter((c) => c.peer === null && compatible(only, c));
      if (only.candidates.length !== 1 || only.candidates[0] !== end) continue; // both sides must be certain
      end.peer = only;
      only.peer = end;
      if (end.iface.linkNetnsId !== null) learned.set(`${end.ns.id}#${end.iface.linkNetnsId}`, only.ns.id);
      if (only.iface.linkNetnsId !== null) learned.set(`${only.ns.id}#${only.iface.linkNetnsId}`, end.ns.id);
      progress = true;
    }
  }

  const pairs: VethPair[] = [];
  const seen = new Set<string>();
  for (const end of ends) {
    if (end.peer === null) continue;
    const ref = (e: End): PeerRef => ({ namespace: e.ns.id, ifname: e.iface.name });
    end.iface.peer = ref(end.peer);
    if (seen.has(endKey(end.peer))) continue;
    seen.add(endKey(end));
    pairs.push({ a: ref(end), b: ref(end.peer) });
  }
  return pairs;
}
