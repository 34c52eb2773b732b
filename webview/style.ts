// The cytoscape stylesheet of the picture, built from the theme: groups, interfaces, bridges, edges, search and
// selection states.
import type { StylesheetJson } from 'cytoscape';
import type { Theme } from './theme';

/**
 * Label sizes in model pixels. No label is drawn smaller than READABLE_PX on screen (cytoscape's
 * min-zoomed-font-size), so detail comes with zoom: boxes' titles first, then containers, then interfaces, addresses
 * and ports. The default fit never zooms out so far that the boxes' titles vanish (layout.ts fitReadable).
 */
export const READABLE_PX = 11;
export const LABEL_PX = { box: 20, namespace: 16, detail: 12 } as const;

/**
 * Each kind's body and label, in model pixels: the stylesheet draws them and the layout (elkLayout.ts) sizes its
 * boxes from them, before anything is drawn. A box's body is what it holds (0 here).
 */
export const KIND_BOX = {
  interface: { w: 22, h: 22, font: LABEL_PX.detail, bold: false, centred: false, maxWidth: 260 },
  bridge: { w: 46, h: 34, font: LABEL_PX.detail, bold: true, centred: false, maxWidth: 260 },
  ports: { w: 18, h: 14, font: LABEL_PX.namespace, bold: true, centred: false, maxWidth: 320 },
  hostPort: { w: 18, h: 14, font: LABEL_PX.detail, bold: false, centred: false, maxWidth: 260 },
  world: { w: 170, h: 64, font: LABEL_PX.box, bold: true, centred: true, maxWidth: 260 },
  group: { w: 160, h: 56, font: LABEL_PX.namespace, bold: true, centred: true, maxWidth: 260 },
  namespace: { w: 30, h: 30, font: LABEL_PX.namespace, bold: true, centred: false, maxWidth: 260 },
  network: { w: 30, h: 30, font: LABEL_PX.box, bold: true, centred: false, maxWidth: 600 },
} as const;
export type BoxKind = keyof typeof KIND_BOX;
/** A namespace at the top (the host's frame, one in no network) has the largest title. */
export const TOP_NAMESPACE_FONT = LABEL_PX.box;

/** Which labels each size covers. */
const TIER_SELECTORS = {
  box: 'node[kind = "network"], node[kind = "world"], node[kind = "namespace"]:orphan',
  namespace: 'node[kind = "namespace"]:child, node[kind = "group"], node[kind = "ports"]',
  detail: 'node[kind = "interface"], node[kind = "bridge"], node[kind = "hostPort"], edge',
} as const;
export type LabelTier = keyof typeof TIER_SELECTORS;

/**
 * The label sizes drawn at this zoom: those at least READABLE_PX on screen. (cytoscape's own min-zoomed-font-size
 * compares at the zoom rounded up to a power of two, so between 0.5 and 1 it would still draw 6 px text.)
 */
export function shownTiers(zoom: number): LabelTier[] {
  return (Object.keys(LABEL_PX) as LabelTier[]).filter((k) => LABEL_PX[k] * zoom >= READABLE_PX);
}

export function graphStyle(t: Theme, shown: readonly LabelTier[] = ['box', 'namespace', 'detail']): StylesheetJson {
  const hidden = (Object.keys(TIER_SELECTORS) as LabelTier[])
    .filter((k) => !shown.includes(k))
    .map((k) => ({ selector: TIER_SELECTORS[k], style: { 'text-opacity': 0 } }));
  return [...baseStyle(t), ...hidden];
}

function baseStyle(t: Theme): StylesheetJson {
  const bw = t.highContrast ? 2 : 1;
  const font = {
    'font-family': t.fontFamily,
    'font-size': LABEL_PX.detail,
    color: t.fg,
    'text-outline-color': t.bg,
    'text-outline-width': 2,
    'min-zoomed-font-size': READABLE_PX,
  };
  return [
    {
      selector: 'node',
      style: {
        ...font,
        label: 'data(label)',
        'text-wrap': 'wrap',
        'text-max-width': '260px',
      },
    },
    {
      selector: 'node[kind = "namespace"]',
      style: {
        shape: 'round-rectangle',
        'background-color': t.groupBg,
        'background-opacity': 0.9,
        'border-color': t.border,
        'border-width': bw,
        'text-valign': 'top',
        'text-halign': 'center',
        'text-margin-y': -4,
        padding: '16px',
        'font-weight': 'bold',
        'font-size': LABEL_PX.namespace,
      },
    },
    // A box at the top (the host's frame, a namespace holding bridges, one not in any network): the largest title.
    { selector: 'node[kind = "namespace"]:orphan', style: { 'font-size': TOP_NAMESPACE_FONT } },
    {
      selector: 'node[kind = "network"]',
      style: {
        shape: 'round-rectangle',
        'background-color': t.bg,
        'background-opacity': 0.6,
        'border-color': t.bridge,
        'border-width': bw + 1,
        'text-valign': 'top',
        'text-halign': 'center',
        'text-margin-y': -4,
        padding: '16px',
        'font-weight': 'bold',
        'font-size': KIND_BOX.network.font,
        'text-max-width': `${KIND_BOX.network.maxWidth}px`,
      },
    },
    {
      selector: 'node[kind = "group"]',
      style: {
        shape: 'round-rectangle',
        width: KIND_BOX.group.w,
        height: KIND_BOX.group.h,
        'background-color': t.groupBg,
        'border-color': t.border,
        'border-width': bw,
        'border-style': 'dashed',
        'text-valign': 'center',
        'font-size': LABEL_PX.namespace,
        'font-weight': 'bold',
      },
    },
    {
      selector: 'node.host',
      style: {
        'background-color': t.hostBg,
        'border-color': t.hostBorder,
        'border-width': bw + 2,
        'border-style': 'double',
      },
    },
    {
      selector: 'node[kind = "interface"]',
      style: {
        shape: 'round-rectangle',
        width: KIND_BOX.interface.w,
        height: KIND_BOX.interface.h,
        'background-color': t.nodeBg,
        'border-color': t.fg,
        'border-width': bw,
        'text-valign': 'bottom',
        'text-margin-y': 4,
      },
    },
    {
      selector: 'node[kind = "bridge"]',
      style: {
        shape: 'hexagon',
        width: KIND_BOX.bridge.w,
        height: KIND_BOX.bridge.h,
        'background-color': t.bridge,
        'border-color': t.fg,
        'border-width': bw,
        'text-valign': 'bottom',
        'text-margin-y': 4,
        'font-weight': 'bold',
      },
    },
    {
      selector: 'node[kind = "world"]',
      style: {
        shape: 'ellipse',
        width: KIND_BOX.world.w,
        height: KIND_BOX.world.h,
        'background-color': t.world,
        'border-color': t.fg,
        'border-width': bw,
        'text-valign': 'center',
        'font-weight': 'bold',
        'font-size': LABEL_PX.box,
      },
    },
    {
      selector: 'node[kind = "ports"]',
      style: {
        shape: 'round-tag',
        width: KIND_BOX.ports.w,
        height: KIND_BOX.ports.h,
        'background-color': t.port,
        'border-color': t.fg,
        'border-width': bw,
        'text-valign': 'bottom',
        'text-margin-y': 3,
        color: t.fg,
        'font-weight': 'bold',
        'font-size': LABEL_PX.namespace,
        'text-max-width': `${KIND_BOX.ports.maxWidth}px`,
      },
    },
    { selector: 'node[kind = "ports"].managed', style: { 'background-color': t.managed } },
    { selector: 'node[kind = "ports"].unreached', style: { 'border-style': 'dotted', 'background-opacity': 0.4 } },
    {
      selector: 'node[kind = "hostPort"]',
      style: {
        shape: 'tag',
        width: KIND_BOX.hostPort.w,
        height: KIND_BOX.hostPort.h,
        'background-color': t.port,
        'border-color': t.fg,
        'border-width': bw,
        'text-valign': 'bottom',
        'text-margin-y': 3,
      },
    },
    { selector: 'node.down', style: { 'border-style': 'dashed', 'background-opacity': 0.35 } },
    { selector: 'node.unlinked', style: { 'border-style': 'dashed' } },
    {
      selector: 'edge',
      style: {
        ...font,
        width: 2,
        'line-color': t.fg,
        'curve-style': 'straight',
        label: 'data(label)',
        'text-rotation': 'none',
      },
    },
    { selector: 'edge[kind = "veth"]', style: { width: 3, 'line-color': t.muted } },
    { selector: 'edge[kind = "bridgePort"]', style: { width: 2, 'line-color': t.bridge } },
    // A cable from a network's bridge to a member: the box already says so; drawn when selected (a tree selection).
    { selector: 'edge.bridged', style: { width: 2, 'line-color': t.bridge, display: 'none' } },
    { selector: 'edge.bridged:selected, edge.bridged.match', style: { display: 'element' } },
    { selector: 'edge[kind = "uplink"]', style: { width: 3, 'line-color': t.world } },
    {
      selector: 'edge[kind = "connection"]',
      style: {
        width: 2,
        'line-color': t.nat,
        'line-style': 'dashed',
        'curve-style': 'bezier',
        'target-arrow-shape': 'triangle',
        'target-arrow-color': t.nat,
        color: t.nat,
      },
    },
    { selector: 'edge.source-nat', style: { 'line-style': 'dashed', color: t.nat, 'font-weight': 'bold' } },
    { selector: '.dimmed', style: { opacity: 0.18 } },
    { selector: '.match', style: { 'underlay-color': t.focus, 'underlay-opacity': 0.35, 'underlay-padding': 6 } },
    {
      selector: ':selected',
      style: {
        'border-color': t.focus,
        'border-width': bw + 2,
        'line-color': t.focus,
        'target-arrow-color': t.focus,
        'underlay-color': t.focus,
        'underlay-opacity': 0.25,
        'underlay-padding': 4,
      },
    },
  ];
}
