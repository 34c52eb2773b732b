// Finds what already holds a host port: any DNAT rule (Docker's, Kubernetes', ours, hand-written) or a listening
// process.
import { mappingText, portText } from '../labels';
import type { Table } from '../iptables/types';
import type { PortMapping } from '../model';
import { spanCovers } from '../net/ports';
import { deriveMappings } from '../portMappings';
import type { Listener } from '../listeners';
import type { MappingConflict, MappingSpec } from './types';
import { anyAddress } from './validate';
import { bindsLocally, endpoint } from '../net/address';

/** Two bindings overlap when either covers every address or both name the same one. */
function addressesOverlap(a: string | null, b: string, family: MappingSpec['family']): boolean {
  const any = anyAddress(family);
  return a === null || a === any || b === any || b === '*' || b === a || (family === 'ipv4' && b === '::');
}

const OWNER_NAMES: Record<PortMapping['owner'], string> = {
  'netns-explorer': 'Netns Explorer (another mapping)',
  docker: 'Docker',
  kubernetes: 'Kubernetes',
  podman: 'Podman',
  cni: 'a CNI plugin',
  firewalld: 'firewalld',
  unknown: 'a hand-written rule',
};

export function ownerName(owner: PortMapping['owner']): string {
  return OWNER_NAMES[owner];
}

/**
 * DNAT rules in this nat table already catching the host address, port and protocol. With the namespace's own
 * addresses known, a rule bound to another address (a Kubernetes ClusterIP) is a service the mapping cannot collide
 * with: our hooks only catch local destinations.
 */
export function dnatConflicts(
  nat: Table | undefined,
  spec: MappingSpec,
  localAddresses: readonly string[] | null = null,
): MappingConflict[] {
  return nat === undefined ? [] : mappingConflicts(deriveMappings(nat, 'ns', spec.family), spec, localAddresses);
}

/** The mappings (from any rule source) already catching the host address, port and protocol. */
export function mappingConflicts(
  mappings: readonly PortMapping[],
  spec: MappingSpec,
  localAddresses: readonly string[] | null = null,
): MappingConflict[] {
  const out: MappingConflict[] = [];
  for (const m of mappings) {
    if (m.protocol !== spec.protocol && m.protocol !== 'all') continue;
    if (localAddresses !== null && !bindsLocally(m.hostIp, localAddresses)) continue;
    if (!spanCovers(m.hostPort, spec.hostPort)) continue;
    if (!addressesOverlap(spec.hostIp, m.hostIp, spec.family)) continue;
    out.push({
      kind: 'dnat',
      owner: m.owner,
      rule: m.rule,
      message: `${endpoint(m.hostIp, portText(m.hostPort))}/${m.protocol} is already published by ${ownerName(m.owner)}: ${mappingText(m)} (${m.ruleRef.table}/${m.ruleRef.chain} rule ${m.ruleRef.index + 1})`,
    });
  }
  return out;
}

/** Processes listening on the host port, on an address the mapping would catch. */
export function listenerConflicts(listeners: readonly Listener[], spec: MappingSpec): MappingConflict[] {
  return listeners
    .filter(
      (l) =>
        l.protocol === spec.protocol &&
        l.port === spec.hostPort &&
        (spec.hostIp === null || addressesOverlap(spec.hostIp, l.address, spec.family) || l.address === '::'),
    )
    .map((l) => {
      const who = l.processes.length
        ? l.processes.map((p) => `${JSON.stringify(p.command)} (pid ${p.pid})`).join(', ')
        : 'a process';
      return {
        kind: 'listener' as const,
        owner: l.processes[0]?.command ?? 'process',
        rule: null,
        message: `${who} already listens on ${l.address}:${l.port}/${l.protocol}`,
      };
    });
}

/** The host port mapping (not a service address) in `nsId` that already takes `port`, if any. */
export function publishedPort(
  mappings: readonly PortMapping[],
  nsId: string,
  protocol: string,
  port: number,
): PortMapping | undefined {
  return mappings.find(
    (m) =>
      m.namespace === nsId &&
      !m.service &&
      (m.protocol === protocol || m.protocol === 'all') &&
      spanCovers(m.hostPort, port),
  );
}

/**
 * Why `port` cannot be used, naming what holds it and its target (`label` names a namespace), and the next free port
 * to try instead; undefined when the port is free.
 */
export function portTakenMessage(
  mappings: readonly PortMapping[],
  nsId: string,
  protocol: string,
  port: number,
  label: (nsId: string) => string,
): string | undefined {
  const taken = publishedPort(mappings, nsId, protocol, port);
  if (!taken) return undefined;
  let free = port + 1;
  while (free <= 65535 && publishedPort(mappings, nsId, protocol, free)) free++;
  const target = taken.targetNamespace ? ` (${label(taken.targetNamespace)})` : '';
  const suggestion = free <= 65535 ? `; ${free} is free` : '';
  return `${endpoint(taken.hostIp, String(port))}/${protocol} is already published by ${ownerName(taken.owner)}: ${mappingText(taken)}${target}${suggestion}`;
}
