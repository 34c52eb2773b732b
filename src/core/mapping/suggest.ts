// What Create Port Mapping offers in its ports step: the target's listening sockets, in `docker run -p` syntax.
import type { Listener } from '../listeners';
import { endpoint, isLoopback } from '../net/address';

/** A listening socket of the target, offered as the ports to publish. */
export interface PortSuggestion {
  text: string;
  description: string;
}

/** The target's listeners as `PORT:PORT[/udp]`, one per port and protocol (what `ss` shows there). */
export function portSuggestions(listeners: readonly Listener[] | null): PortSuggestion[] {
  const out: PortSuggestion[] = [];
  for (const l of listeners ?? []) {
    if (l.protocol !== 'tcp' && l.protocol !== 'udp') continue;
    if (isLoopback(l.address)) continue;
    const text = `${l.port}:${l.port}${l.protocol === 'tcp' ? '' : `/${l.protocol}`}`;
    if (out.some((o) => o.text === text)) continue;
    const proc = l.processes[0]?.command;
    out.push({ text, description: `${proc ?? 'a socket'} listens on ${endpoint(l.address, l.port)}/${l.protocol}` });
  }
  return out;
}
