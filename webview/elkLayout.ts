// The layered picture, laid out by ELK in a Web Worker so the page keeps answering input while it runs.
//
// cytoscape-elk runs ELK on the page thread (its bundled build fakes the worker), and has no option for a real one.
// This module lays out the graph's data itself, sized from the stylesheet's table (style.ts KIND_BOX) and labels
// measured on a canvas, before cytoscape holds any element: a first picture is added with its positions, so the
// page never moves hundreds of drawn elements (cytoscape's compound bounds made that a 350 ms task at 200
// namespaces). The worker is ELK's own (`dist/elk-worker.js`, copied from elkjs). A webview may not start a worker
// from its resource URL (another origin), so the extension posts that file's text and the page starts it from a
// blob: URL, the one thing the CSP's `worker-src` allows.
import ELK from 'elkjs/lib/elk-api.js';
import type { ELK as Elk, ElkNode, LayoutOptions } from 'elkjs/lib/elk-api';
import type { TopologyGraph, TopologyNode } from '../src/core/topology/types';
import { KIND_BOX, TOP_NAMESPACE_FONT, type BoxKind } from './style';

let source: string | null = null;
let elk: Elk | null = null;
const waiting: (() => void)[] = [];

/** The worker's script, from the extension: layouts asked for before it came wait for it. */
export function setWorkerSource(text: string): void {
  source = text;
  for (const go of waiting.splice(0)) go();
}

async function worker(): Promise<Elk> {
  if (!source) await new Promise<void>((resolve) => waiting.push(resolve));
  if (!elk) {
    const url = URL.createObjectURL(new Blob([source!], { type: 'text/javascript' }));
    elk = new ELK({ workerFactory: () => new Worker(url) }) as Elk;
  }
  return elk;
}

/** Space between siblings and around a box's children, in model pixels. */
const GAP = 24;
const PADDING = 16;

const measure = document.createElement('canvas').getContext('2d')!;
const widths = new Map<string, number>();

/** A label's size in model pixels: each line measured once per font. */
function labelSize(label: string, font: number, bold: boolean, maxWidth: number, family: string) {
  if (!label) return { w: 0, h: 0 };
  const css = `${bold ? 'bold' : 'normal'} ${font}px ${family}`;
  const lines = label.split('\n');
  let w = 0;
  for (const line of lines) {
    const key = `${css}\u0000${line}`;
    let lw = widths.get(key);
    if (lw === undefined) {
      measure.font = css;
      lw = measure.measureText(line).width;
      if (widths.size > 20_000) widths.clear();
      widths.set(key, lw);
    }
    w = Math.max(w, Math.min(lw, maxWidth));
  }
  return { w: w + 4, h: lines.length * font * 1.25 + 4 };
}

interface Sized {
  /** The body, as cytoscape draws it. */
  body: { w: number; h: number };
  label: { w: number; h: number };
  /** Where cytoscape draws the label: on the body, above it (a box), or below it. */
  at: 'on' | 'above' | 'below';
}

function sized(n: TopologyNode, top: boolean, family: string): Sized {
  const k = KIND_BOX[n.kind as BoxKind] ?? KIND_BOX.interface;
  const font = n.kind === 'namespace' && top ? TOP_NAMESPACE_FONT : k.font;
  const at = k.centred ? 'on' : n.kind === 'namespace' || n.kind === 'network' ? 'above' : 'below';
  return { body: { w: k.w, h: k.h }, label: labelSize(n.label, font, k.bold, k.maxWidth, family), at };
}

const ROOT: LayoutOptions = {
  'elk.algorithm': 'layered',
  'elk.direction': 'RIGHT',
  // Wide enough for an uplink's label (`default · MASQUERADE`) between the host and the world.
  'elk.layered.spacing.nodeNodeBetweenLayers': '220',
  'elk.spacing.nodeNode': '40',
  'elk.spacing.componentComponent': '60',
  'elk.separateConnectedComponents': 'true',
};

/**
 * Options for a box: its members packed in rows (a network's containers read as a block, not a long column); a
 * namespace holding networks in layers, its networks left of its other interfaces (the uplinks), which face the world.
 * The box's title sits above it: its height is reserved on top, its width is the box's least width.
 */
function boxOptions(s: Sized, layered: boolean): LayoutOptions {
  const top = PADDING + s.label.h + 6;
  return {
    ...(layered
      ? { 'elk.algorithm': 'layered', 'elk.direction': 'RIGHT', 'elk.layered.spacing.nodeNodeBetweenLayers': '60' }
      : { 'elk.algorithm': 'rectpacking', 'elk.aspectRatio': '1.6' }),
    'elk.spacing.nodeNode': String(GAP),
    'elk.padding': `[top=${top},left=${PADDING},bottom=${PADDING},right=${PADDING}]`,
    'elk.nodeSize.constraints': 'MINIMUM_SIZE',
    'elk.nodeSize.minimum': `(${Math.ceil(s.label.w + 2 * PADDING)}, ${Math.ceil(top + PADDING)})`,
  };
}

/**
 * The ELK graph of what is shown: boxes hold their children; an edge between two boxes' insides becomes an edge
 * between the two children of their lowest common box that hold the ends (ELK lays out each box on its own).
 */
async function elkGraph(graph: TopologyGraph, family: string): Promise<{ root: ElkNode; sizes: Map<string, Sized> }> {
  const root: ElkNode = { id: '\u0000root', layoutOptions: ROOT, children: [], edges: [] };
  const parents = new Map(graph.nodes.map((n) => [n.id, n.parent]));
  const kids = new Map<string, TopologyNode[]>();
  for (const n of graph.nodes) {
    if (!n.parent) continue;
    const list = kids.get(n.parent);
    if (list) list.push(n);
    else kids.set(n.parent, [n]);
  }
  const byId = new Map<string, ElkNode>([[root.id, root]]);
  const sizes = new Map<string, Sized>();
  let count = 0;
  for (const n of graph.nodes) {
    // Measuring labels is the costly part: hand the thread back now and then.
    if (++count % 300 === 0) await new Promise<void>((resolve) => setTimeout(resolve, 0));
    const s = sized(n, n.parent === null, family);
    sizes.set(n.id, s);
    const children = kids.get(n.id);
    const k: ElkNode = { id: n.id };
    if (children?.length) {
      k.children = [];
      k.edges = [];
      k.layoutOptions = boxOptions(
        s,
        children.some((c) => c.kind === 'network'),
      );
    } else {
      k.width = Math.max(s.body.w, s.label.w);
      k.height = s.at === 'on' ? Math.max(s.body.h, s.label.h) : s.body.h + s.label.h + 4;
    }
    byId.set(n.id, k);
  }
  for (const n of graph.nodes) byId.get(n.parent ?? root.id)!.children!.push(byId.get(n.id)!);
  const seen = new Set<string>();
  const link = (owner: ElkNode, a: string, b: string) => {
    const key = `${a}\u0000${b}`;
    if (seen.has(key)) return;
    seen.add(key);
    owner.edges!.push({ id: `e${seen.size}`, sources: [a], targets: [b] });
  };
  // Inside a namespace holding networks: each network before the namespace's other leaves.
  for (const [id, children] of kids) {
    const networks = children.filter((c) => c.kind === 'network');
    if (!networks.length) continue;
    const others = children.filter((c) => c.kind !== 'network' && !kids.has(c.id));
    for (const a of networks) for (const b of others) link(byId.get(id)!, a.id, b.id);
  }
  const chain = (id: string): string[] => {
    const out = [id];
    for (let p = parents.get(id); p; p = parents.get(p)) out.unshift(p);
    return out;
  };
  for (const e of graph.edges) {
    const a = chain(e.source);
    const b = chain(e.target);
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    if (i >= a.length || i >= b.length) continue; // an end inside the other: no edge between siblings
    link(i === 0 ? root : byId.get(a[i - 1]!)!, a[i]!, b[i]!);
  }
  return { root, sizes };
}

/**
 * Lays `graph` out in the worker; resolves with each leaf's position (the centre of its body, as cytoscape places
 * a node) and the time it took, in ms.
 */
/** When the last layout started and ended (performance.now()), for the benchmarks: the page's thread is free then. */
export const lastLayout = { start: 0, end: 0 };

export async function elkPositions(
  graph: TopologyGraph,
  fontFamily: string,
): Promise<{ positions: Map<string, { x: number; y: number }>; ms: number }> {
  const started = performance.now();
  const { root, sizes } = await elkGraph(graph, fontFamily);
  lastLayout.start = performance.now();
  const laid = await (await worker()).layout(root);
  lastLayout.end = performance.now();
  const positions = new Map<string, { x: number; y: number }>();
  const walk = (k: ElkNode, ox: number, oy: number) => {
    const x = ox + (k.x ?? 0);
    const y = oy + (k.y ?? 0);
    if (k.children?.length) {
      for (const c of k.children) walk(c, x, y);
      return;
    }
    const s = sizes.get(k.id);
    if (!s) return;
    // The body's centre: the label is below it, on it, or (a box with nothing shown inside) above it.
    const dy = s.at === 'on' ? (k.height ?? 0) / 2 : s.at === 'above' ? s.label.h + 4 + s.body.h / 2 : s.body.h / 2;
    positions.set(k.id, { x: x + (k.width ?? 0) / 2, y: y + dy });
  };
  for (const c of laid.children ?? []) walk(c, 0, 0);
  return { positions, ms: performance.now() - started };
}
