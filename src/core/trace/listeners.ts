// Parses `ss -H -ltnup` output into listeners, and finds the socket that would take a packet.
import { isV6, parseIp, sameIp } from './addr';
import type { Listener, Protocol } from './types';

/** `tcp LISTEN 0 511 *:80 *:* users:(("node",pid=12,fd=20))`; UDP lines are UNCONN. */
export function parseSs(text: string): Listener[] {
  const out: Listener[] = [];
  for (const line of text.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 5) continue;
    const [netid = '', state = '', , , local = ''] = cols;
    if (netid !== 'tcp' && netid !== 'udp') continue;
    if (netid === 'tcp' && state !== 'LISTEN') continue;
    if (netid === 'udp' && state !== 'UNCONN') continue;
    const colon = local.lastIndexOf(':');
    const port = Number(local.slice(colon + 1));
    if (colon < 0 || !Number.isInteger(port)) continue;
    const address = local.slice(0, colon).replace(/%[^\]]*$/, '').replace(/%[^\]]*\]$/, ']');
    const processes = [...line.matchAll(/\("([^"]*)",pid=(\d+)/g)].map((m) => ({ name: m[1] ?? '', pid: Number(m[2]) }));
    out.push({ protocol: netid as Protocol, address, port, processes });
  }
  return out;
}

/** The listening socket that takes a packet to `ip:port`, if any. `*` is a dual-stack wildcard; `[::]` is IPv6 only. */
export function findListener(listeners: readonly Listener[], protocol: Protocol, ip: string, port: number): Listener | undefined {
  const v6 = isV6(ip);
  const takes = (l: Listener): boolean => {
    if (l.protocol !== protocol || l.port !== port) return false;
    const a = l.address.replace(/^\[|\]$/g, '');
    if (a === '*') return true;
    if (a === '0.0.0.0') return !v6;
    if (a === '::') return v6;
    if (a.startsWith('::ffff:') && !v6) return sameIp(a.slice(7), ip);
    return parseIp(a) !== null && sameIp(a, ip);
  };
  // The kernel prefers the socket bound to the exact address over a wildcard one.
  const candidates = listeners.filter(takes);
  return candidates.find((l) => !['*', '0.0.0.0', '[::]', '::'].includes(l.address)) ?? candidates[0];
}
