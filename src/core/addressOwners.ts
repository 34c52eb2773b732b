// Which namespace and interface own an address: the one policy used by port mappings, hovers, the trace and the
// topology, so a hover never names a different container than the mapping does.
import { hostOf } from './net/address';
import type { Namespace, NamespaceId, NetInterface } from './model';

export interface AddressHolder {
  ns: Namespace;
  iface: NetInterface;
}

/**
 * The same private address can exist in unrelated namespaces (two labs, two hosts' worth of containers), so a holder
 * wired to the asking namespace by a veth (or the asking namespace itself) wins; otherwise only a sole holder is
 * named. Loopback addresses belong to every namespace and are not indexed.
 */
export class AddressOwners {
  private readonly byIp = new Map<string, AddressHolder[]>();

  constructor(namespaces: readonly Namespace[]) {
    for (const ns of namespaces) {
      for (const iface of ns.interfaces) {
        if (iface.kind === 'loopback') continue;
        for (const cidr of iface.addresses) {
          const ip = hostOf(cidr);
          const list = this.byIp.get(ip);
          if (list) list.push({ ns, iface });
          else this.byIp.set(ip, [{ ns, iface }]);
        }
      }
    }
  }

  /** The holder of `ip` as seen from namespace `from` (a rule's namespace), or undefined when it is not certain. */
  ownerOf(ip: string, from: NamespaceId | null): AddressHolder | undefined {
    const candidates = this.byIp.get(ip) ?? [];
    if (from !== null) {
      const wired = candidates.find((c) => c.ns.id === from || c.ns.interfaces.some((i) => i.peer?.namespace === from));
      if (wired !== undefined) return wired;
    }
    return candidates.length === 1 ? candidates[0] : undefined;
  }
}
