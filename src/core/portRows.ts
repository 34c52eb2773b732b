// Published ports as `docker ps` shows them: one row per container and binding. The IPv4 and IPv6 rules of one
// binding (0.0.0.0 and ::, same ports) are one row; consecutive single-port rules that came from one range
// (`-p 30100-30105:30100-30105` is six rules) are one row with the range. Each row keeps its rules.
import { endpoint } from './net/address';
import { portSpan } from './net/ports';
import type { PortMapping } from './model';

export interface PortRow {
  namespace: string;
  protocol: string;
  /** `0.0.0.0`, `::`, both (`0.0.0.0, ::`), or one address. */
  hostIps: string[];
  hostPorts: [number, number];
  targetIps: string[];
  targetPorts: [number, number];
  targetNamespace: string | null;
  owner: string;
  /** The rules behind the row, IPv4 first, in port order. */
  mappings: PortMapping[];
}

const ANY = new Set(['0.0.0.0', '::']);

function single(m: PortMapping): [number, number] | null {
  return typeof m.hostPort === 'number' && typeof m.targetPort === 'number' ? [m.hostPort, m.targetPort] : null;
}

/** Rows for `mappings` (services and port-less DNAT stay one row each, as they are). */
export function portRows(mappings: readonly PortMapping[]): PortRow[] {
  const rows: PortRow[] = [];
  const keyOf = (m: PortMapping) =>
    [m.namespace, m.protocol, m.targetNamespace ?? m.targetIp, m.owner, ANY.has(m.hostIp) ? '*' : m.hostIp].join('|');
  // 1. Families: a binding on every address in both families is one binding.
  const merged = new Map<string, PortRow>();
  const ipv4First = [...mappings].sort((a, b) => Number(a.family === 'ipv6') - Number(b.family === 'ipv6'));
  for (const m of ipv4First) {
    const p = single(m);
    const key = `${keyOf(m)}|${String(m.hostPort)}|${String(m.targetPort)}`;
    const row = merged.get(key);
    if (row && p && ANY.has(m.hostIp) && !row.hostIps.includes(m.hostIp)) {
      row.hostIps.push(m.hostIp);
      if (!row.targetIps.includes(m.targetIp)) row.targetIps.push(m.targetIp);
      row.mappings.push(m);
      continue;
    }
    const [hostLo, hostHi] = p ? [p[0], p[0]] : portSpan(m.hostPort);
    const [targetLo, targetHi] = p ? [p[1], p[1]] : portSpan(m.targetPort);
    const fresh: PortRow = {
      namespace: m.namespace,
      protocol: m.protocol,
      hostIps: [m.hostIp],
      hostPorts: [hostLo, hostHi],
      targetIps: [m.targetIp],
      targetPorts: [targetLo, targetHi],
      targetNamespace: m.targetNamespace,
      owner: m.owner,
      mappings: [m],
    };
    merged.set(row ? `${key}|${merged.size}` : key, fresh);
  }
  // 2. Ranges: consecutive ports with the same shift, same binding otherwise.
  const sorted = [...merged.values()].sort(
    (a, b) => a.namespace.localeCompare(b.namespace) || a.hostPorts[0] - b.hostPorts[0],
  );
  for (const row of sorted) {
    const last = rows.at(-1);
    const same =
      last &&
      last.namespace === row.namespace &&
      last.protocol === row.protocol &&
      last.owner === row.owner &&
      last.targetNamespace === row.targetNamespace &&
      last.hostIps.join() === row.hostIps.join() &&
      last.targetIps.join() === row.targetIps.join() &&
      row.hostPorts[0] === row.hostPorts[1] &&
      last.mappings.every((m) => single(m) !== null) &&
      row.hostPorts[0] === last.hostPorts[1] + 1 &&
      row.targetPorts[0] === last.targetPorts[1] + 1;
    if (same) {
      last.hostPorts[1] = row.hostPorts[1];
      last.targetPorts[1] = row.targetPorts[1];
      last.mappings.push(...row.mappings);
    } else rows.push({ ...row, hostPorts: [...row.hostPorts], targetPorts: [...row.targetPorts] });
  }
  return rows;
}

const ports = ([lo, hi]: [number, number]) => (lo === 0 && hi === 65535 ? '*' : lo === hi ? `${lo}` : `${lo}-${hi}`);

/** `0.0.0.0:30100-30102, [::]:30100-30102/tcp → 172.17.0.3:30100-30102`: one row, as `docker ps` puts a binding. */
export function portRowText(r: PortRow): string {
  const host = r.hostIps.map((ip) => endpoint(ip, ports(r.hostPorts))).join(', ');
  const to = r.targetIps.map((ip) => endpoint(ip, ports(r.targetPorts))).join(', ');
  return `${host}/${r.protocol} → ${to}`;
}

/**
 * The short form a badge shows: `6379/tcp`, `8443→443/tcp` when the container port differs, `127.0.0.1:8080→80/tcp`
 * when bound to one address (both families' any-address is the default and not written).
 */
export function portRowBadge(r: PortRow): string {
  const host = ports(r.hostPorts);
  const to =
    r.targetPorts[0] === r.hostPorts[0] && r.targetPorts[1] === r.hostPorts[1] ? '' : `→${ports(r.targetPorts)}`;
  const where = r.hostIps.every((ip) => ANY.has(ip)) ? host : r.hostIps.map((ip) => endpoint(ip, host)).join(', ');
  return `${where}${to}/${r.protocol}`;
}
