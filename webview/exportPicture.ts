// The picture as SVG (drawn from cytoscape's positions, with labels as text) or PNG (cytoscape's own renderer).
import type { Core, EdgeSingular, NodeSingular } from 'cytoscape';
import { pictureToSvg, type SvgEdge, type SvgNode, type SvgNodeShape } from '../src/core/topology/svg';
import type { Theme } from './theme';

const SHAPES: ReadonlySet<string> = new Set(['rectangle', 'round-rectangle', 'ellipse', 'hexagon', 'tag']);
const num = (v: unknown, fallback: number) => {
  const n = parseFloat(String(v));
  return Number.isFinite(n) ? n : fallback;
};

function svgNode(n: NodeSingular): SvgNode {
  const bb = n.boundingBox({ includeLabels: false, includeOverlays: false, includeUnderlays: false });
  const shape = String(n.style('shape'));
  const valign = String(n.style('text-valign'));
  return {
    id: n.id(),
    x1: bb.x1,
    y1: bb.y1,
    x2: bb.x2,
    y2: bb.y2,
    shape: (SHAPES.has(shape) ? shape : 'rectangle') as SvgNodeShape,
    fill: String(n.style('background-color')),
    fillOpacity: num(n.style('background-opacity'), 1),
    stroke: String(n.style('border-color')),
    strokeWidth: num(n.style('border-width'), 1),
    dashed: String(n.style('border-style')) !== 'solid',
    label: String(n.data('label') ?? ''),
    labelAt: n.isParent() || valign === 'top' ? 'above' : valign === 'center' ? 'center' : 'below',
    color: String(n.style('color')),
    fontSize: num(n.style('font-size'), 12),
    opacity: n.effectiveOpacity(),
  };
}

function svgEdge(e: EdgeSingular): SvgEdge {
  const s = e.sourceEndpoint();
  const t = e.targetEndpoint();
  return {
    id: e.id(),
    x1: s.x,
    y1: s.y,
    x2: t.x,
    y2: t.y,
    color: String(e.style('line-color')),
    width: num(e.style('width'), 1),
    dashed: String(e.style('line-style')) !== 'solid',
    arrow: String(e.style('target-arrow-shape')) !== 'none',
    label: String(e.data('label') ?? ''),
    labelColor: String(e.style('color')),
    fontSize: num(e.style('font-size'), 11),
    opacity: e.effectiveOpacity(),
  };
}

export function exportSvg(cy: Core, theme: Theme): string {
  // Outer groups first, so they are drawn below what they hold.
  const nodes = cy
    .nodes()
    .toArray()
    .sort((a, b) => Number(b.isParent()) - Number(a.isParent()) || a.ancestors().length - b.ancestors().length);
  return pictureToSvg({
    nodes: nodes.map(svgNode),
    // A cable the picture does not draw (a network member's: the box says it) is not exported either.
    edges: cy
      .edges()
      .toArray()
      .filter((e) => e.style('display') !== 'none')
      .map(svgEdge),
    background: theme.bg,
    fontFamily: theme.fontFamily,
  });
}

/** PNG as base64 (no data: prefix), at twice the model's size, capped so huge hosts still fit in a canvas. */
export function exportPng(cy: Core, theme: Theme): string {
  return cy.png({
    output: 'base64',
    full: true,
    scale: 2,
    bg: theme.bg,
    maxWidth: 8000,
    maxHeight: 8000,
  }) as unknown as string;
}
