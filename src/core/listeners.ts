// Listening sockets: the one record type, the parser of `ss -H -l -n -p -t -u` output, and which socket takes a packet.
import { isV6, parseIp, sameIp } from './net/address';
import { isIPv4 } from './mapping/validate';

export type ListenerProtocol = 'tcp' | 'udp' | 'sctp';

export interface Listener {
  protocol: ListenerProtocol;
  /**
   * The bound address without brackets or `%device`: an IPv4 or IPv6 literal (`::ffff:1.2.3.4` for an
   * IPv4-mapped bind), or a wildcard: `0.0.0.0` (every IPv4 address), `::` (every IPv6 address, an
   * IPV6_V6ONLY socket, printed `[::]`), `*` (both families: an IPv6 socket with IPV6_V6ONLY off).
   */
  address: string;
  /**
   * The interface the socket is bound to (`127.0.0.53%lo`: SO_BINDTODEVICE or a link-local scope), or null. Untrusted
   * text.
   */
  device: string | null;
  port: number;
  /**
   * Who holds the socket, from `users:(("nginx",pid=12,fd=6),…)`; empty when ss could not see them. Commands are
   * untrusted text.
   */
  processes: { command: string; pid: number }[];
}

/** A line that looked like a socket but could not be read; `line` is 1-based. */
export interface SsDiagnostic {
  line: number;
  message: string;
}

export interface SsListeners {
  listeners: Listener[];
  diagnostics: SsDiagnostic[];
}

/**
 * The one `ss` argv every caller runs (inside the namespace): listening TCP and UDP sockets, numeric,
 * with processes, no header. Several protocols make ss print the Netid column the parser needs. SCTP
 * only on request: asking for it makes the kernel load the sctp modules on hosts that have them.
 */
export function ssListenersArgv(options: { sctp?: boolean } = {}): string[] {
  return ['ss', '-H', '-l', '-n', '-p', '-t', '-u', ...(options.sctp ? ['-S'] : [])];
}

const PROTOCOLS: Record<string, ListenerProtocol> = { tcp: 'tcp', udp: 'udp', sctp: 'sctp' };
/** ss shows UDP sockets that are not connected as UNCONN; TCP and SCTP listen. Other states are not listeners. */
const LISTENING: Record<ListenerProtocol, string> = { tcp: 'LISTEN', udp: 'UNCONN', sctp: 'LISTEN' };
/** First words of a line without the Netid column (ss asked for one protocol prints none). */
const STATES = new Set([
  'LISTEN',
  'UNCONN',
  'ESTAB',
  'SYN-SENT',
  'SYN-RECV',
  'FIN-WAIT-1',
  'FIN-WAIT-2',
  'TIME-WAIT',
  'CLOSE-WAIT',
  'LAST-ACK',
  'CLOSING',
]);
const WILDCARDS = new Set(['*', '0.0.0.0', '::']);

/** Untrusted text in a message: quoted, one line, bounded. */
function quoted(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

/** An IPv4 or IPv6 literal in the forms ss prints (an IPv6 address may end in an IPv4 one). */
export function isIpLiteral(text: string): boolean {
  if (!text.includes(':')) return isIPv4(text);
  if (!/^[0-9A-Fa-f:.]+$/.test(text) || parseIp(text)?.v6 !== true) return false;
  return !text.includes('.') || isIPv4(text.slice(text.lastIndexOf(':') + 1));
}

/**
 * What the kernel allows as an interface name (dev_valid_name): at most 15 bytes (so characters), no `/`, `:` or white
 * space.
 */
function isInterfaceName(text: string): boolean {
  return text.length > 0 && text.length <= 15 && !/[/:\s]/.test(text);
}

/**
 * `0.0.0.0:80`, `*:80`, `[::]:80`, `:::80` (iproute2 before 4.x), `[::ffff:1.2.3.4]:80`,
 * `127.0.0.53%lo:53`, `*%lo:9100`, `[fe80::5]%eth0:547`. Interface names hold no `:` or spaces, so the
 * last colon starts the port.
 */
export function splitLocal(text: string): { address: string; device: string | null; port: number } | string {
  const colon = text.lastIndexOf(':');
  const portText = text.slice(colon + 1);
  if (colon < 0 || !/^\d{1,5}$/.test(portText) || Number(portText) > 65535) return `no port in ${quoted(text)}`;
  const host = text.slice(0, colon);
  let address = host;
  let device: string | null = null;
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    const rest = host.slice(close + 1);
    if (close < 0 || (rest !== '' && !rest.startsWith('%'))) return `unbalanced brackets in ${quoted(text)}`;
    address = host.slice(1, close);
    // ss brackets IPv6 addresses only.
    if (!address.includes(':')) return `brackets around ${quoted(address)}`;
    if (rest !== '') device = rest.slice(1);
  } else if (host.includes('%')) {
    address = host.slice(0, host.indexOf('%'));
    device = host.slice(host.indexOf('%') + 1);
  }
  if (device !== null && !isInterfaceName(device)) return `not an interface name: ${quoted(device)}`;
  if (address !== '*' && !isIpLiteral(address)) return `not an address: ${quoted(address)}`;
  return { address, device, port: Number(portText) };
}

/**
 * `users:(("nginx",pid=12,fd=6),("nginx",pid=13,fd=6))`; before iproute2 4.x `(("nginx",12,6))`.
 * ss prints command names unescaped (`("nx "q" srv",pid=9,fd=5)`), so a name ends only where `",pid=` follows.
 */
export function parseUsers(text: string): Listener['processes'] {
  const out: Listener['processes'] = [];
  for (const m of text.matchAll(/\("(.*?)",(?:pid=)?(\d{1,10}),(?:fd=)?\d+\)/gs)) {
    const pid = Number(m[2]);
    if (pid > 0 && pid <= 0x7fffffff) out.push({ command: m[1] ?? '', pid });
  }
  return out;
}

/** Fields split on whitespace, with where each ends (the process column may hold spaces). */
function fieldsOf(line: string): { text: string; end: number }[] {
  return [...line.matchAll(/\S+/g)].map((m) => ({ text: m[0], end: (m.index ?? 0) + m[0].length }));
}

/**
 * Reads `Netid State Recv-Q Send-Q Local Peer [Process]` lines. Blank lines, a header line and sockets
 * that are not listening (an `ss -a` listing) are passed over; any other line that cannot be read
 * becomes a diagnostic and the rest is still returned. Never throws.
 */
export function parseSs(text: string): SsListeners {
  const listeners: Listener[] = [];
  const diagnostics: SsDiagnostic[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    const fields = fieldsOf(line);
    const first = fields[0]?.text;
    if (first === undefined || first === 'Netid' || first === 'State') return;
    const fail = (message: string): void => {
      diagnostics.push({ line: i + 1, message });
    };
    const protocol = PROTOCOLS[first];
    if (protocol === undefined)
      return fail(
        STATES.has(first)
          ? 'no Netid column (ss was asked for one protocol)'
          : `not a tcp, udp or sctp socket: ${quoted(first)}`,
      );
    if (fields.length < 6) return fail(`${fields.length} columns, expected at least 6`);
    if (fields[1]?.text !== LISTENING[protocol]) return;
    const local = splitLocal(fields[4]?.text ?? '');
    if (typeof local === 'string') return fail(local);
    listeners.push({ protocol, ...local, processes: parseUsers(line.slice(fields[5]?.end ?? line.length)) });
  });
  return { listeners, diagnostics };
}

/**
 * The listening socket that takes a packet to `ip:port`, if any: the one bound to the exact address before a wildcard.
 */
export function findListener(
  listeners: readonly Listener[],
  protocol: ListenerProtocol,
  ip: string,
  port: number,
): Listener | undefined {
  const v6 = isV6(ip);
  const takes = (l: Listener): boolean => {
    if (l.protocol !== protocol || l.port !== port) return false;
    if (l.address === '*') return true;
    if (l.address === '0.0.0.0') return !v6;
    if (l.address === '::') return v6;
    if (l.address.startsWith('::ffff:') && !v6) return sameIp(l.address.slice(7), ip);
    return sameIp(l.address, ip);
  };
  const candidates = listeners.filter(takes);
  return candidates.find((l) => !WILDCARDS.has(l.address)) ?? candidates[0];
}
