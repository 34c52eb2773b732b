// The two layouts (layered ELK in a Web Worker, the default; compact force-directed fcose on the page thread), the
// default fit that keeps titles readable, and where new nodes go between layouts.
import type { Collection, Core, LayoutOptions, NodeSingular, Position } from 'cytoscape';
import type { LayoutName } from '../src/core/topology/protocol';
import type { TopologyGraph } from '../src/core/topology/types';
import { elkPositions } from './elkLayout';
import { LABEL_PX, READABLE_PX } from './style';

const FIT_PADDING = 30;

/** The least zoom at which containers' names and their published ports are drawn at a readable size. */
export const READABLE_ZOOM = READABLE_PX / LABEL_PX.namespace;

/**
 * The default fit: the whole picture when names and ports stay readable at that zoom; else the readable zoom, from
 * the picture's top left corner (the rest is a pan away, and Fit shows it all).
 */
export function fitReadable(cy: Core): void {
  cy.fit(undefined, FIT_PADDING);
  if (cy.zoom() >= READABLE_ZOOM) return;
  const bb = cy.elements().boundingBox({});
  cy.zoom(READABLE_ZOOM);
  cy.pan({ x: FIT_PADDING - bb.x1 * READABLE_ZOOM, y: FIT_PADDING - bb.y1 * READABLE_ZOOM });
}

function fcoseOptions(): LayoutOptions {
  return {
    name: 'fcose',
    quality: 'default',
    randomize: true,
    animate: false,
    fit: false,
    padding: 30,
    nodeDimensionsIncludeLabels: true,
    packComponents: true,
    tile: true,
    nodeRepulsion: 8000,
    idealEdgeLength: 70,
    nestingFactor: 0.3,
    gravity: 0.3,
    numIter: 2500,
  } as unknown as LayoutOptions;
}

/**
 * Runs a layout on the picture cytoscape holds (`shown` is its data) and fits it; resolves with the time the layout
 * took, in ms.
 */
export async function runLayout(cy: Core, name: LayoutName, shown: TopologyGraph, fontFamily: string): Promise<number> {
  let ms: number;
  if (name === 'elk') {
    const laid = await elkPositions(shown, fontFamily);
    const leaves = cy.nodes().filter((n) => !n.isParent() && laid.positions.has(n.id()));
    leaves.positions((n) => laid.positions.get((n as NodeSingular).id())!);
    ms = laid.ms;
  } else {
    const started = performance.now();
    const layout = cy.layout(fcoseOptions());
    const done = new Promise<number>((resolve) => layout.one('layoutstop', () => resolve(performance.now() - started)));
    layout.run();
    ms = await done;
  }
  fitReadable(cy);
  return ms;
}

/**
 * Gives positions to nodes added since the last layout, without moving any other node: children of
 * an existing group go beside their siblings; new groups (with their children) go in a grid to the
 * right of the picture. No layout runs, so the rest of the picture and the viewport stay as they are.
 */
export function placeNewNodes(cy: Core, added: Collection, remembered: Map<string, Position>): void {
  const fresh = added.nodes().filter((n) => !n.isParent() || n.children().length === 0);
  const existing = cy.nodes().not(added);
  const box = existing.length ? existing.boundingBox({}) : { x1: 0, y1: 0, x2: 0, y2: 0 };
  const newGroups = new Map<string, NodeSingular[]>();
  const beside = new Map<string, number>();
  let loose = 0;
  fresh.forEach((n) => {
    const memo = remembered.get(n.id());
    if (memo) {
      n.position(memo);
      return;
    }
    const parent = n.parent().first();
    if (parent.nonempty() && !added.contains(parent)) {
      const siblings = parent.children().not(added);
      const pb = siblings.nonempty() ? siblings.boundingBox({}) : parent.boundingBox({});
      const k = beside.get(parent.id()) ?? 0;
      beside.set(parent.id(), k + 1);
      n.position({ x: pb.x2 + 50 + 70 * k, y: (pb.y1 + pb.y2) / 2 });
    } else if (parent.nonempty()) {
      const list = newGroups.get(parent.id()) ?? [];
      list.push(n);
      newGroups.set(parent.id(), list);
    } else {
      n.position({ x: box.x2 + 120, y: box.y1 + 80 * loose++ });
    }
  });
  const columns = Math.max(1, Math.ceil(Math.sqrt(newGroups.size)));
  let i = 0;
  for (const children of newGroups.values()) {
    const gx = box.x2 + 160 + (i % columns) * 260;
    const gy = box.y1 + Math.floor(i / columns) * 160;
    children.forEach((c, k) => c.position({ x: gx + 70 * k, y: gy }));
    i++;
  }
}
