// Parses `ss -H -l -n -p -t -u -S` (listening sockets with their processes) into listeners.
import type { Listener, MappingProtocol } from './types';

const NETIDS: Record<string, MappingProtocol> = { tcp: 'tcp', udp: 'udp', sctp: 'sctp' };

/** `0.0.0.0:80`, `*:80`, `[::]:80`, `[::ffff:1.2.3.4]:80`, `127.0.0.53%lo:53`, `[fe80::1]%eth0:123`. */
export function splitLocal(text: string): { address: string; port: number } | null {
  const colon = text.lastIndexOf(':');
  if (colon < 0) return null;
  const port = Number(text.slice(colon + 1));
  if (!Number.isInteger(port)) return null;
  let address = text.slice(0, colon);
  const percent = address.indexOf('%');
  if (percent >= 0) address = address.slice(0, percent);
  address = address.replace(/^\[|\]$/g, '');
  return { address, port };
}

/** `users:(("nginx",pid=12,fd=6),("nginx",pid=13,fd=6))`. Command names are untrusted text. */
export function parseUsers(text: string): Listener['processes'] {
  const out: Listener['processes'] = [];
  for (const m of text.matchAll(/\("((?:[^"\\]|\\.)*)",pid=(\d+)/g)) out.push({ command: m[1] ?? '', pid: Number(m[2]) });
  return out;
}

/**
 * One line per socket: `Netid State Recv-Q Send-Q Local Peer [Process]` when several protocols were
 * asked for. Lines that do not fit are skipped: this feeds a safety check, not a view.
 */
export function parseSsListeners(text: string): Listener[] {
  const out: Listener[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    const protocol = NETIDS[fields[0] ?? ''];
    if (protocol === undefined || fields.length < 6) continue;
    const local = splitLocal(fields[4] ?? '');
    if (local === null) continue;
    out.push({ protocol, address: local.address, port: local.port, processes: parseUsers(fields.slice(6).join(' ')) });
  }
  return out;
}
