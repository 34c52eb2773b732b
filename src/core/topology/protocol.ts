// The one typed contract between the extension and the topology page: every message each side may send.
import type { DetailBlock } from './details';
import type { TopologyGraph } from './types';

export type LayoutName = 'fcose' | 'elk';
export type ExportFormat = 'svg' | 'png';

/** Per kind: namespace, network, group, interface, bridge, ports, hostPort, world, veth, bridgePort, uplink. */
export type KindCounts = Record<string, number>;

export interface ToWebview {
  /** The whole graph; the page keeps what did not change where it is. */
  graph: {
    graph: TopologyGraph;
    message: string | null;
    /** Where this host's nodes were last drawn (kept per host): the first drawing takes them instead of a layout. */
    positions?: Record<string, { x: number; y: number }> | null;
    /** Lay the picture out again (a group was opened or closed). */
    relayout?: boolean;
  };
  /** The layout worker's script (dist/elk-worker.js), started by the page from a blob: URL. */
  layoutWorker: { source: string };
  /** Elements to highlight because they were selected in the sidebar. */
  highlight: { ids: string[] };
  /** Details of a hovered element, from the same tooltip the tree shows. */
  details: { id: string; blocks: DetailBlock[] };
  /** Render the picture for export; answered by `exported` with the same requestId. */
  export: { requestId: number; format: ExportFormat };
  /** The side bar's search, so the picture highlights what the views show (one search everywhere). */
  search: { query: string };
}

export interface ToExtension {
  /** The page has loaded and listens. */
  ready: Record<string, never>;
  /** A graph was drawn (after layout or an in-place update). */
  rendered: { counts: KindCounts; layoutMs: number; laidOut: boolean };
  /** The user clicked an element. */
  select: { id: string };
  /** Open a collapsed network's group (its id), or close an opened network again (the network's id). */
  toggleGroup: { id: string };
  /** The pointer rests on an element: its details are wanted. */
  hover: { id: string };
  /** Where the nodes are now (after a layout, or a drag): kept per host. */
  positions: { positions: Record<string, { x: number; y: number }> };
  /** The live-connections overlay was switched on or off: connections are read every few seconds while on. */
  overlay: { on: boolean };
  /** An export button was pressed: the extension asks where to save. */
  requestExport: { format: ExportFormat };
  /** The picture, SVG text or PNG as base64; `error` when it could not be made. */
  exported: { requestId: number; format: ExportFormat; data: string; error?: string };
}

export type Message<M> = { [K in keyof M]: { type: K } & M[K] }[keyof M];
export type ToWebviewMessage = Message<ToWebview>;
export type ToExtensionMessage = Message<ToExtension>;

const TO_WEBVIEW: ReadonlySet<string> = new Set<keyof ToWebview>([
  'graph',
  'highlight',
  'details',
  'export',
  'search',
  'layoutWorker',
]);
const TO_EXTENSION: ReadonlySet<string> = new Set<keyof ToExtension>([
  'ready',
  'rendered',
  'select',
  'toggleGroup',
  'hover',
  'requestExport',
  'exported',
  'positions',
  'overlay',
]);

const hasType = (m: unknown, types: ReadonlySet<string>): boolean =>
  typeof m === 'object' &&
  m !== null &&
  typeof (m as { type?: unknown }).type === 'string' &&
  types.has((m as { type: string }).type);

export const isToWebview = (m: unknown): m is ToWebviewMessage => hasType(m, TO_WEBVIEW);
export const isToExtension = (m: unknown): m is ToExtensionMessage => hasType(m, TO_EXTENSION);
