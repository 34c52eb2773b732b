// The cytoscape stylesheet of the picture, built from the theme: groups, interfaces, bridges, edges, search and
// selection states.
import type { StylesheetJson } from 'cytoscape';
import type { Theme } from './theme';

export function graphStyle(t: Theme): StylesheetJson {
  const bw = t.highContrast ? 2 : 1;
  const font = {
    'font-family': t.fontFamily,
    'font-size': Math.max(10, t.fontSize - 2),
    color: t.fg,
    'text-outline-color': t.bg,
    'text-outline-width': 2,
  };
  return [
    {
      selector: 'node',
      style: {
        ...font,
        label: 'data(label)',
        'text-wrap': 'wrap',
        'text-max-width': '260px',
        'min-zoomed-font-size': 6,
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
        width: 22,
        height: 22,
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
        width: 46,
        height: 34,
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
        width: 70,
        height: 44,
        'background-color': t.world,
        'border-color': t.fg,
        'border-width': bw,
        'text-valign': 'center',
        'font-weight': 'bold',
      },
    },
    {
      selector: 'node[kind = "hostPort"]',
      style: {
        shape: 'tag',
        width: 18,
        height: 14,
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
        'font-size': Math.max(9, t.fontSize - 3),
      },
    },
    { selector: 'edge[kind = "veth"]', style: { width: 3, 'line-color': t.muted } },
    { selector: 'edge[kind = "bridgePort"]', style: { width: 2, 'line-color': t.bridge } },
    { selector: 'edge[kind = "uplink"]', style: { width: 3, 'line-color': t.world } },
    { selector: 'edge.source-nat', style: { 'line-style': 'dashed', color: t.nat, 'font-weight': 'bold' } },
    {
      selector: 'edge[kind = "portMapping"]',
      style: {
        width: 2,
        'line-color': t.port,
        'target-arrow-shape': 'triangle',
        'target-arrow-color': t.port,
        'curve-style': 'bezier',
        color: t.port,
      },
    },
    {
      selector: 'edge.managed',
      style: {
        'line-color': t.managed,
        'target-arrow-color': t.managed,
        color: t.managed,
        'line-style': 'dashed',
        width: 3,
      },
    },
    { selector: 'edge.unreached', style: { 'line-style': 'dotted' } },
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
