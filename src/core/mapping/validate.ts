// Checks user input for port mappings (ports, addresses, protocols, namespace names) before anything runs.
import { isLoopback } from '../net/address';
import type { Family } from '../model';
import type { MappingProtocol, MappingSpec } from './types';

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const fail = <T>(error: string): Checked<T> => ({ ok: false, error });

/** Shows untrusted input in a message without letting it span lines. */
export function shown(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

export function checkPort(text: string, what = 'port'): Checked<number> {
  const trimmed = text.trim();
  if (!/^[0-9]{1,5}$/.test(trimmed)) return fail(`${what} must be a whole number from 1 to 65535, not ${shown(text)}`);
  const port = Number(trimmed);
  if (port < 1 || port > 65535) return fail(`${what} must be from 1 to 65535, not ${port}`);
  return ok(port);
}

export function checkProtocol(text: string): Checked<MappingProtocol> {
  const p = text.trim().toLowerCase();
  return p === 'tcp' || p === 'udp' || p === 'sctp'
    ? ok(p)
    : fail(`protocol must be tcp, udp or sctp, not ${shown(text)}`);
}

const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);

export function isIPv4(text: string): boolean {
  return IPV4.test(text);
}

/** The 8 groups of an IPv6 address, or null. IPv4-embedded forms are refused: use the IPv4 address. */
function ipv6Groups(text: string): number[] | null {
  if (!/^[0-9A-Fa-f:]+$/.test(text) || text.length > 39) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const part = (s: string): number[] | null => {
    if (s === '') return [];
    const groups = s.split(':');
    if (groups.some((g) => !/^[0-9A-Fa-f]{1,4}$/.test(g))) return null;
    return groups.map((g) => parseInt(g, 16));
  };
  const head = part(halves[0] ?? '');
  const tail = halves.length === 2 ? part(halves[1] ?? '') : [];
  if (head === null || tail === null) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const missing = 8 - head.length - tail.length;
  return missing >= 1 ? [...head, ...new Array<number>(missing).fill(0), ...tail] : null;
}

/** RFC 5952 text, the form iptables-save prints: lower case, the longest run of 2+ zero groups as `::`. */
function formatIPv6(groups: number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** A single address (no prefix), in canonical text, with its family. */
export function checkAddress(text: string, what = 'address'): Checked<{ ip: string; family: Family }> {
  const t = text.trim();
  if (isIPv4(t)) return ok({ ip: t, family: 'ipv4' });
  const groups = ipv6Groups(t);
  if (groups !== null) return ok({ ip: formatIPv6(groups), family: 'ipv6' });
  return fail(`${what} must be an IPv4 or IPv6 address, not ${shown(text)}`);
}

/** `IP:PORT` or `[IPv6]:PORT`. */
export function checkTarget(text: string): Checked<{ ip: string; family: Family; port: number }> {
  const t = text.trim();
  const match = /^\[([^\]]*)\]:([^:]*)$/.exec(t) ?? /^([^:[\]]*):([^:]*)$/.exec(t);
  if (!match) return fail(`target must be IP:PORT (or [IPv6]:PORT), not ${shown(text)}`);
  const address = checkAddress(match[1] ?? '', 'target address');
  if (!address.ok) return fail(address.error);
  const port = checkPort(match[2] ?? '', 'target port');
  if (!port.ok) return fail(port.error);
  return ok({ ...address.value, port: port.value });
}

/**
 * A namespace as a user names it: `host`, an `ip netns` name, a Docker sandbox key, or an id
 * (inode). Names beginning with `-` could be read as options by the tools, so they are refused.
 */
export function checkNamespaceRef(text: string): Checked<string> {
  if (text === '') return fail('namespace must not be empty');
  if (text.startsWith('-')) return fail(`namespace must not begin with "-": ${shown(text)}`);
  if (text.length > 255 || /[/\s\u0000-\u001f\u007f]/.test(text))
    return fail(`namespace ${shown(text)} is not a valid namespace name`);
  return ok(text);
}

export function anyAddress(family: Family): string {
  return family === 'ipv4' ? '0.0.0.0' : '::';
}

export interface MappingInput {
  protocol?: string;
  hostIp?: string | null;
  hostPort: string;
  /** `IP:PORT`, or give targetIp and targetPort. */
  to?: string;
  targetIp?: string;
  targetPort?: string;
}

/** Every field checked, families matched, `0.0.0.0`/`::` turned into "every address". */
export function checkMappingInput(input: MappingInput): Checked<MappingSpec> {
  const protocol = checkProtocol(input.protocol ?? 'tcp');
  if (!protocol.ok) return fail(protocol.error);
  const hostPort = checkPort(input.hostPort, 'host port');
  if (!hostPort.ok) return fail(hostPort.error);
  let target: Checked<{ ip: string; family: Family; port: number }>;
  if (input.to !== undefined) target = checkTarget(input.to);
  else {
    const ip = checkAddress(input.targetIp ?? '', 'target address');
    const port = checkPort(input.targetPort ?? '', 'container port');
    target = !ip.ok ? fail(ip.error) : !port.ok ? fail(port.error) : ok({ ...ip.value, port: port.value });
  }
  if (!target.ok) return fail(target.error);
  const family = target.value.family;
  let hostIp: string | null = null;
  if (input.hostIp !== undefined && input.hostIp !== null && input.hostIp !== '') {
    const host = checkAddress(input.hostIp, 'host address');
    if (!host.ok) return fail(host.error);
    if (host.value.family !== family)
      return fail(`host address ${host.value.ip} and target ${target.value.ip} are of different families`);
    if (host.value.ip === '::1')
      return fail(
        '::1 cannot be forwarded: IPv6 has no route_localnet; bind to every address or one other local address',
      );
    hostIp = host.value.ip === anyAddress(family) ? null : host.value.ip;
  }
  if (isLoopback(target.value.ip) || target.value.ip === anyAddress(family))
    return fail(`target ${target.value.ip} is not a container address`);
  return ok({
    family,
    protocol: protocol.value,
    hostIp,
    hostPort: hostPort.value,
    targetIp: target.value.ip,
    targetPort: target.value.port,
  });
}

/** What `docker run -p` takes, read: the host address (null: every address), the two ports and the protocol. */
export interface PublishSpec {
  hostIp: string | null;
  hostPort: number;
  containerPort: number;
  protocol: MappingProtocol;
}

/**
 * Docker's own `-p` syntax: `[HOST_IP:]HOST_PORT:CONTAINER_PORT[/PROTO]`, `[IPv6]:HOST_PORT:CONTAINER_PORT`, or a
 * single `PORT[/PROTO]`, which here publishes the container port on the same host port (Docker would pick a random
 * one; a mapping you can name is more useful). Ranges and a random host port (`IP::PORT`) are refused with a reason.
 */
export function checkPublish(text: string): Checked<PublishSpec> {
  const t = text.trim();
  const slash = t.lastIndexOf('/');
  const protocol = checkProtocol(slash >= 0 ? t.slice(slash + 1) : 'tcp');
  if (!protocol.ok) return fail(protocol.error);
  const body = slash >= 0 ? t.slice(0, slash) : t;
  if (/\d-\d/.test(body)) return fail('port ranges are not supported here: publish one port at a time');
  let hostIp: string | null = null;
  let rest = body;
  const v6 = /^\[([^\]]*)\]:(.*)$/.exec(body);
  if (v6) {
    const a = checkAddress(v6[1] ?? '', 'host address');
    if (!a.ok || a.value.family !== 'ipv6')
      return fail(`host address must be an IPv6 address in brackets, not ${shown(v6[1] ?? '')}`);
    hostIp = a.value.ip;
    rest = v6[2] ?? '';
  }
  const parts = rest.split(':');
  if (!v6 && parts.length === 3) {
    const a = checkAddress(parts[0] ?? '', 'host address');
    if (!a.ok) return fail(a.error);
    hostIp = a.value.ip;
    parts.shift();
  }
  if (parts.length === 1 && !v6) {
    const port = checkPort(parts[0] ?? '', 'port');
    return port.ok
      ? ok({ hostIp, hostPort: port.value, containerPort: port.value, protocol: protocol.value })
      : fail(`write HOST_PORT:CONTAINER_PORT, e.g. 18080:80 (${port.error})`);
  }
  if (parts.length !== 2)
    return fail(`write HOST_PORT:CONTAINER_PORT, optionally IP: before and /udp after, not ${shown(text)}`);
  if (parts[0] === '') return fail('give the host port: Netns Explorer does not pick a random one');
  const hostPort = checkPort(parts[0] ?? '', 'host port');
  if (!hostPort.ok) return fail(hostPort.error);
  const containerPort = checkPort(parts[1] ?? '', 'container port');
  if (!containerPort.ok) return fail(containerPort.error);
  if (hostIp !== null && hostIp === anyAddress(hostIp.includes(':') ? 'ipv6' : 'ipv4')) hostIp = null;
  return ok({ hostIp, hostPort: hostPort.value, containerPort: containerPort.value, protocol: protocol.value });
}
