// Element ids of the topology picture: built from what identifies the kernel object, so they survive refreshes.

export const WORLD_ID = 'world';

export const namespaceNodeId = (ns: string): string => `ns:${ns}`;
export const interfaceNodeId = (ns: string, ifname: string): string => `if:${ns}/${ifname}`;
export const hostPortNodeId = (ns: string, hostIp: string, port: string): string => `hp:${ns}/${hostIp}/${port}`;
export const vethEdgeId = (ns: string, ifname: string): string => `veth:${ns}/${ifname}`;
export const bridgePortEdgeId = (ns: string, bridge: string, ifname: string): string =>
  `port:${ns}/${bridge}/${ifname}`;
export const uplinkEdgeId = (ns: string, ifname: string): string => `uplink:${ns}/${ifname}`;
export const mappingEdgeId = (ns: string, key: string): string => `map:${ns}/${key}`;
export const networkNodeId = (ns: string, bridge: string): string => `net:${ns}/${bridge}`;
export const groupNodeId = (ns: string, bridge: string): string => `group:${ns}/${bridge}`;
export const groupEdgeId = (ns: string, bridge: string): string => `grouped:${ns}/${bridge}`;
export const portsNodeId = (ns: string, target: string): string => `ports:${ns}/${target}`;
/** The live-connections overlay: client element → server element, by protocol and server port. */
export const connectionEdgeId = (from: string, to: string, protocol: string, port: number | null): string =>
  `conn:${from}>${to}:${protocol}/${port ?? '-'}`;
