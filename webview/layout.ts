// The two layouts (compact force-directed fcose, layered ELK on the main thread) and where new nodes go between
// layouts.
import type { Collection, Core, LayoutOptions, NodeSingular, Position } from 'cytoscape';
import type { LayoutName } from '../src/core/topology/protocol';

export function layoutOptions(name: LayoutName): LayoutOptions {
  if (name === 'elk') {
    return {
      name: 'elk',
      fit: true,
      padding: 30,
      animate: false,
      nodeDimensionsIncludeLabels: true,
      elk: {
        algorithm: 'layered',
        'elk.direction': 'RIGHT',
        'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
        'elk.layered.spacing.nodeNodeBetweenLayers': 60,
        'elk.spacing.nodeNode': 30,
      },
    } as unknown as LayoutOptions;
  }
  return {
    name: 'fcose',
    quality: 'default',
    randomize: true,
    animate: false,
    fit: true,
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

/** Runs a layout on the whole graph; resolves with the time it took, in ms. */
export function runLayout(cy: Core, name: LayoutName): Promise<number> {
  const started = performance.now();
  const layout = cy.layout(layoutOptions(name));
  const done = new Promise<number>((resolve) => layout.one('layoutstop', () => resolve(performance.now() - started)));
  layout.run();
  return done;
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
