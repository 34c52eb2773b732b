// The picture: keeps cytoscape in step with the graph, the filter and the search, without moving what did not change.
import cytoscape, { type Collection, type Core, type ElementDefinition, type Position } from 'cytoscape';
import fcose from 'cytoscape-fcose';
import { visibleGraph } from '../src/core/topology/filter';
import { searchGraph } from '../src/core/topology/search';
import {
  DEFAULT_TOPOLOGY_FILTER,
  type TopologyEdge,
  type TopologyFilter,
  type TopologyGraph,
  type TopologyNode,
} from '../src/core/topology/types';
import { elkPositions } from './elkLayout';
import { fitReadable, placeNewNodes, runLayout } from './layout';
import type { KindCounts, LayoutName } from '../src/core/topology/protocol';
import { graphStyle, shownTiers, type LabelTier } from './style';
import { readTheme, type Theme } from './theme';

cytoscape.use(fcose);

export interface RenderResult {
  counts: KindCounts;
  layoutMs: number;
  laidOut: boolean;
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Has cytoscape measure a new picture's elements (styles, label sizes, bounds) a slice at a time, handing the
 * thread back between slices, before anything asks for the whole picture's bounds (a fit): at a few hundred
 * namespaces that is otherwise one task of more than half a second.
 */
async function measureInSlices(added: Collection): Promise<void> {
  const leaves = added.nodes().filter((n) => !n.isParent());
  const SLICE = 100;
  for (let i = 0; i < leaves.length; i += SLICE) {
    leaves.slice(i, i + SLICE).boundingBox({});
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
  }
}

export class TopologyView {
  readonly cy: Core;
  theme: Theme;
  private graph: TopologyGraph = { nodes: [], edges: [] };
  private shown: TopologyGraph = { nodes: [], edges: [] };
  private filter: TopologyFilter = DEFAULT_TOPOLOGY_FILTER;
  private query = '';
  layoutName: LayoutName = 'elk';
  /** Where nodes were when a filter or a refresh took them away, so they come back to the same place. */
  private readonly remembered = new Map<string, Position>();
  readonly elements = new Map<string, TopologyNode | TopologyEdge>();

  constructor(container: HTMLElement) {
    this.theme = readTheme();
    // No textureOnViewport: its snapshot of the whole picture, taken when a pan or zoom starts, was
    // one 100-250 ms frame at 200 namespaces (0.5-1.1 s at 1,000). Redrawing from cytoscape's own
    // element caches every frame pans 200 namespaces at 60 frames a second, but for a 33-100 ms frame
    // or two as the drag starts (`npm run bench`, topology section; notes in bench/RESULTS.md).
    this.cy = cytoscape({
      container,
      minZoom: 0.05,
      maxZoom: 4,
      wheelSensitivity: 0.3,
      boxSelectionEnabled: false,
      selectionType: 'single',
      textureOnViewport: false,
      hideEdgesOnViewport: false,
    });
    this.tiers = shownTiers(this.cy.zoom());
    this.cy.style(graphStyle(this.theme, this.tiers));
    this.cy.on('zoom', () => this.onZoom());
  }

  /** The label sizes drawn now: restyled only when the zoom crosses a size's threshold. */
  private tiers: LabelTier[] = [];

  applyTheme(): void {
    this.theme = readTheme();
    this.tiers = shownTiers(this.cy.zoom());
    this.cy.style(graphStyle(this.theme, this.tiers));
  }

  private onZoom(): void {
    const tiers = shownTiers(this.cy.zoom());
    if (tiers.join() === this.tiers.join()) return;
    this.tiers = tiers;
    this.cy.style(graphStyle(this.theme, tiers));
  }

  /**
   * `saved`: where the nodes were the last time this host was drawn (kept by the extension per host); an empty picture
   * takes them instead of a fresh layout, so a reopen or a window reload does not reshuffle.
   */
  async setGraph(
    graph: TopologyGraph,
    saved?: Record<string, Position> | null,
    relayout = false,
  ): Promise<RenderResult> {
    if (saved) for (const [id, p] of Object.entries(saved)) if (!this.remembered.has(id)) this.remembered.set(id, p);
    this.graph = graph;
    this.elements.clear();
    for (const n of graph.nodes) this.elements.set(n.id, n);
    for (const e of graph.edges) this.elements.set(e.id, e);
    const result = await this.render();
    // A group opened or closed: what was one node is many (or the reverse), so the picture is laid out again.
    return relayout && !result.laidOut ? this.relayout() : result;
  }

  async setFilter(filter: TopologyFilter): Promise<RenderResult> {
    this.filter = filter;
    return this.render();
  }

  setQuery(query: string): number {
    this.query = query;
    return this.applySearch();
  }

  async relayout(name: LayoutName = this.layoutName): Promise<RenderResult> {
    this.layoutName = name;
    const layoutMs = await runLayout(this.cy, name, this.shown, this.theme.fontFamily);
    return { counts: this.counts(), layoutMs, laidOut: true };
  }

  /** Every leaf node's position now: what the extension keeps for this host. */
  positions(): Record<string, Position> {
    const out: Record<string, Position> = {};
    this.cy.nodes().forEach((n) => {
      if (!n.isParent()) out[n.id()] = { ...n.position() };
    });
    return out;
  }

  counts(): KindCounts {
    const counts: KindCounts = {};
    this.cy.elements().forEach((e) => {
      const k = String(e.data('kind'));
      counts[k] = (counts[k] ?? 0) + 1;
    });
    return counts;
  }

  /** Brings cytoscape to the visible graph: removes what went, updates what changed, adds and places what is new. */
  private async render(): Promise<RenderResult> {
    const cy = this.cy;
    const wasEmpty = cy.elements().length === 0;
    this.shown = visibleGraph(this.graph, this.filter);
    const wanted = new Map<string, TopologyNode | TopologyEdge>();
    for (const n of this.shown.nodes) wanted.set(n.id, n);
    for (const e of this.shown.edges) wanted.set(e.id, e);
    const additions: ElementDefinition[] = [];
    cy.batch(() => {
      cy.elements().forEach((ele) => {
        const want = wanted.get(ele.id());
        const moved = want && ele.isNode() && 'parent' in want && (ele.data('parent') ?? null) !== want.parent;
        const rewired =
          want &&
          ele.isEdge() &&
          'source' in want &&
          (ele.data('source') !== want.source || ele.data('target') !== want.target);
        if (!want || moved || rewired) {
          if (ele.isNode() && !ele.isParent()) this.remembered.set(ele.id(), { ...ele.position() });
          if (ele.inside()) cy.remove(ele);
        }
      });
      for (const [id, want] of wanted) {
        const ele = cy.getElementById(id);
        if (ele.nonempty()) {
          if (ele.data('label') !== want.label) ele.data('label', want.label);
          if (!sameList(ele.classes(), want.classes)) ele.classes(want.classes);
          continue;
        }
        if ('source' in want)
          additions.push({
            group: 'edges',
            data: { id, kind: want.kind, source: want.source, target: want.target, label: want.label },
            classes: want.classes,
          });
        else
          additions.push({
            group: 'nodes',
            data: { id, kind: want.kind, label: want.label, ...(want.parent ? { parent: want.parent } : {}) },
            classes: want.classes,
          });
      }
    });
    // Parents before children, nodes before edges: cytoscape needs both ends and the parent to exist.
    const depth = (d: ElementDefinition) => (d.group === 'edges' ? 2 : d.data.parent ? 1 : 0);
    additions.sort((a, b) => depth(a) - depth(b));
    let layoutMs = 0;
    let laidOut = false;
    const parentIds = new Set(this.shown.nodes.map((n) => n.parent).filter((p): p is string => p !== null));
    const newLeaves = additions.filter((d) => d.group === 'nodes' && !parentIds.has(String(d.data.id)));
    const known = newLeaves.filter((d) => this.remembered.has(String(d.data.id))).length;
    const remembered = wasEmpty && newLeaves.length > 0 && known >= newLeaves.length * 0.8;
    // A first picture in the layered layout is laid out from its data, then added in place: nothing drawn moves.
    if (wasEmpty && additions.length && !remembered && this.layoutName === 'elk') {
      const laid = await elkPositions(this.shown, this.theme.fontFamily);
      for (const d of additions) {
        const p = d.group === 'nodes' ? laid.positions.get(String(d.data.id)) : undefined;
        if (p) d.position = p;
      }
      layoutMs = laid.ms;
      laidOut = true;
    }
    const added = cy.add(additions);
    if (laidOut) await measureInSlices(added);
    // Most of the picture has a place already (a reopen, a reload): keep those places, fit, and place only the rest.
    if (remembered) {
      placeNewNodes(cy, added, this.remembered);
      fitReadable(cy);
    } else if (laidOut) {
      fitReadable(cy);
    } else if (wasEmpty && added.length) {
      layoutMs = await runLayout(cy, this.layoutName, this.shown, this.theme.fontFamily);
      laidOut = true;
    } else if (added.length) {
      placeNewNodes(cy, added, this.remembered);
    }
    this.applySearch();
    return { counts: this.counts(), layoutMs, laidOut };
  }

  /** Highlights matches, dims the rest; returns the number of matches. */
  private applySearch(): number {
    const { matches, context } = searchGraph(this.shown, this.query);
    const cy = this.cy;
    cy.batch(() => {
      cy.elements().removeClass('match dimmed');
      if (!this.query.trim()) return;
      const keep = new Set([...matches, ...context]);
      cy.elements().forEach((e) => {
        if (!keep.has(e.id())) e.addClass('dimmed');
      });
      for (const id of matches) cy.getElementById(id).addClass('match');
    });
    return matches.length;
  }

  /** Selects the elements chosen in the sidebar and brings them into view if they are off screen. */
  highlight(ids: string[]): void {
    const cy = this.cy;
    const eles = cy.collection();
    for (const id of ids) eles.merge(cy.getElementById(id));
    cy.elements(':selected').unselect();
    eles.select();
    if (eles.empty()) return;
    const ext = cy.extent();
    const bb = eles.boundingBox({});
    const inside = bb.x1 >= ext.x1 && bb.x2 <= ext.x2 && bb.y1 >= ext.y1 && bb.y2 <= ext.y2;
    if (!inside) cy.center(eles);
  }
}
