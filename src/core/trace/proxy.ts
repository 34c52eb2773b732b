// Explains port mappings at a delivery point: a userland proxy (docker-proxy) answering, or why a DNAT rule was not
// applied.
import { endpoint, isLoopback, sameIp } from '../net/address';
import { spanCovers } from '../net/ports';
import type { Namespace, PortMapping, Snapshot } from '../model';
import { mappingText } from '../labels';
import type { Packet } from './packet';
import { findListener, type Listener } from '../listeners';

function boundElsewhere(m: PortMapping, dst: string): boolean {
  return m.hostIp !== '0.0.0.0' && m.hostIp !== '::' && !sameIp(m.hostIp, dst);
}

/**
 * What does listen for `p`'s protocol in this namespace, when nothing listens where the packet went: the sentence a
 * refused connection needs ("the server listens on 0.0.0.0:80"). Null when nothing listens for that protocol at all.
 */
export function listenerHint(p: Packet, listeners: readonly Listener[]): Explanation | null {
  const same = listeners.filter((l) => l.protocol === p.protocol);
  if (same.length === 0) return null;
  const shown = same.slice(0, 3).map((l) => {
    const proc = l.processes[0]?.command;
    return `${endpoint(l.address, l.port)}${proc ? ` (${proc})` : ''}`;
  });
  const more = same.length > 3 ? ` and ${same.length - 3} more` : '';
  const first = same[0]!;
  const text = `Nothing listens on ${p.protocol} ${endpoint(p.dst, p.dport)} here; listening for ${p.protocol}: ${shown.join(', ')}${more}.`;
  return {
    text,
    answer: `${text.replace(/\.$/, '')}: connect to port ${first.port}, or have the server listen on ${endpoint(p.dst, p.dport)}.`,
  };
}

/** A sentence for the trace's steps, and the short form that leads the answer: the reason, then the fix. */
export interface Explanation {
  text: string;
  answer: string | null;
}

/** Sentences for a packet delivered (or refused) at a local address where a port mapping publishes its port. */
export function proxyNotes(
  snapshot: Snapshot,
  ns: Namespace,
  p: Packet,
  listeners: readonly Listener[] | null,
): Explanation[] {
  const mappings = snapshot.portMappings.filter(
    (m) =>
      m.namespace === ns.id && m.protocol === p.protocol && m.family === p.family && spanCovers(m.hostPort, p.dport),
  );
  const listener = listeners ? findListener(listeners, p.protocol, p.dst, p.dport) : undefined;
  const proc = listener?.processes[0]?.command ?? null;
  const out: Explanation[] = [];
  if (listener && (proc === 'docker-proxy' || mappings.length > 0)) {
    const m = mappings[0];
    out.push({
      answer: null,
      text: `${proc ?? 'A process'} listens on the published port${m ? ` (${mappingText(m)})` : ''}: ${proc === 'docker-proxy' ? "this is Docker's userland proxy, which" : 'like docker-proxy, it'} accepts the connection itself and relays it over a new connection from this namespace${m ? ` to ${endpoint(m.targetIp, typeof m.targetPort === 'number' ? m.targetPort : null)}` : ''}; that second connection is not part of this trace.`,
    });
    return out;
  }
  if (listener || mappings.length === 0) return out;
  for (const m of mappings.slice(0, 2)) {
    let why: string;
    let fix: string;
    const target = endpoint(m.targetIp, typeof m.targetPort === 'number' ? m.targetPort : null);
    if (boundElsewhere(m, p.dst)) {
      why = isLoopback(m.hostIp)
        ? `the mapping is bound to ${m.hostIp}: it publishes the port for this host only, and only through ${m.hostIp}`
        : `the mapping is bound to ${m.hostIp}, not ${p.dst}`;
      fix = isLoopback(m.hostIp)
        ? `connect from this host to ${endpoint(m.hostIp, p.dport)}, or map the port on all addresses`
        : `connect to ${endpoint(m.hostIp, p.dport)}, or map the port on all addresses`;
    } else if (isLoopback(p.dst)) {
      why = `packets to ${p.family === 'ipv4' ? '127.0.0.0/8' : '::1'} from this host skip Docker's nat OUTPUT jump (\`! -d ${p.family === 'ipv4' ? '127.0.0.0/8' : '::1/128'}\`); Docker relies on docker-proxy listening here, or, without the userland proxy, on route_localnet=1 and a MASQUERADE rule`;
      fix = `connect to one of this host's other addresses, or to ${target} directly`;
    } else if (
      p.inIface !== null &&
      m.targetInterface !== null &&
      ns.interfaces.some((i) => i.name === p.inIface && i.kind === 'bridge')
    ) {
      why = `the packet came in from the bridge ${p.inIface}, and Docker's DOCKER chain returns early for it (\`-i ${p.inIface} -j RETURN\`): hairpin traffic to a published port is answered by docker-proxy, which is not running here`;
      fix = `connect to ${target} directly from the bridge, or run Docker with its userland proxy`;
    } else {
      why = 'the rule did not match this packet (see the nat steps above)';
      fix = 'compare the packet with the DNAT rule shown in the nat steps';
    }
    out.push({
      text: `Port ${p.dport}/${p.protocol} is published here (${mappingText(m)}), but this packet was not DNATed by it: ${why}. Fix: ${fix}.`,
      answer: `${why.charAt(0).toUpperCase()}${why.slice(1)}: ${fix} (${mappingText(m)}).`,
    });
  }
  return out;
}
