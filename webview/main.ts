// Entry of the topology page: toolbar, messages from and to the extension, hover details, search, filters, export.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { EdgeSingular, EventObject, NodeSingular } from 'cytoscape';
import {
  isToWebview,
  type ExportFormat,
  type LayoutName,
  type ToExtension,
  type ToWebviewMessage,
} from '../src/core/topology/protocol';
import { captureTargetOf } from '../src/core/capture/targets';
import { placeDetails, renderDetails } from './details';
import { lastLayout, setWorkerSource } from './elkLayout';
import { exportPng, exportSvg } from './exportPicture';
import { fitReadable } from './layout';
import { TopologyView, type RenderResult } from './view';

const vscode = acquireVsCodeApi();
let saveTimer: ReturnType<typeof setTimeout> | null = null;
/** Sends the positions, once things settle (a drag, a layout). */
function savePositions(): void {
  if (saveTimer) clearTimeout(saveTimer);
  saveTimer = setTimeout(() => post('positions', { positions: view.positions() }), 300);
}
function post<K extends keyof ToExtension>(type: K, body: ToExtension[K]): void {
  vscode.postMessage({ type, ...body });
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const view = new TopologyView($('graph'));
const status = $('status');
const details = $('details');
const search = $<HTMLElement & { value: string }>('search');
const checkbox = (id: string) => $<HTMLElement & { checked: boolean }>(id);

function report(r: RenderResult): void {
  post('rendered', r);
  const n = r.counts.namespace ?? 0;
  status.textContent = `${n} namespace${n === 1 ? '' : 's'}${r.laidOut ? ` · laid out in ${Math.round(r.layoutMs)} ms` : ''}`;
}

// Graph updates are applied one at a time, in order: a layout may still be running when the next one arrives.
let queue: Promise<unknown> = Promise.resolve();
const enqueue = (job: () => Promise<void>) => {
  queue = queue.then(job, job);
};

function readFilter() {
  return {
    showLoopback: checkbox('show-loopback').checked,
    showDown: checkbox('show-down').checked,
    showUnlinked: checkbox('show-unlinked').checked,
  };
}

/** The interface (or namespace) each element stands for, for its context menu's Capture Traffic…. */
let captureTargets = new Map<string, { ns: string; iface: string }>();

function onMessage(m: ToWebviewMessage): void {
  switch (m.type) {
    case 'graph':
      $('message').textContent = m.message ?? '';
      captureTargets = new Map(
        [...m.graph.nodes, ...m.graph.edges].flatMap((e) => {
          const t = captureTargetOf(e.ref);
          return t ? [[e.id, t] as const] : [];
        }),
      );
      enqueue(async () => {
        report(await view.setGraph(m.graph, m.positions ?? null, m.relayout === true));
        savePositions();
      });
      break;
    case 'layoutWorker':
      setWorkerSource(m.source);
      break;
    case 'highlight':
      view.highlight(m.ids);
      break;
    case 'search':
      search.value = m.query;
      runSearch();
      break;
    case 'details':
      if (m.id === hovered) {
        renderDetails(details, m.blocks);
        placeDetails(details, pointer.x, pointer.y);
      }
      break;
    case 'export':
      enqueue(async () => {
        try {
          post('exported', {
            requestId: m.requestId,
            format: m.format,
            data: m.format === 'svg' ? exportSvg(view.cy, view.theme) : exportPng(view.cy, view.theme),
          });
        } catch (e) {
          post('exported', { requestId: m.requestId, format: m.format, data: '', error: String(e) });
        }
      });
      break;
  }
}

window.addEventListener('message', (event: MessageEvent) => {
  if (isToWebview(event.data)) onMessage(event.data);
});

// Hover: ask for the element's details after a short rest, hide them when the pointer leaves.
let hovered: string | null = null;
let hoverTimer: number | undefined;
const pointer = { x: 0, y: 0 };
view.cy.on('mouseover', 'node, edge', (e: EventObject) => {
  const id = e.target.id() as string;
  hovered = id;
  window.clearTimeout(hoverTimer);
  hoverTimer = window.setTimeout(() => {
    if (hovered === id) post('hover', { id });
  }, 250);
});
view.cy.on('mouseout', 'node, edge', () => {
  hovered = null;
  window.clearTimeout(hoverTimer);
  details.hidden = true;
});
$('graph').addEventListener('mousemove', (e) => {
  pointer.x = e.clientX;
  pointer.y = e.clientY;
});
view.cy.on('tap', 'node, edge', (e: EventObject) => post('select', { id: e.target.id() as string }));
// The context menu of an element that stands for an interface (or a namespace) offers Capture Traffic…: VS Code reads
// data-vscode-context from the element under the pointer when the menu opens, just after this.
view.cy.on('cxttapstart', (e: EventObject) => {
  const graph = $('graph');
  const target = e.target === view.cy ? undefined : captureTargets.get(e.target.id() as string);
  if (target)
    graph.dataset.vscodeContext = JSON.stringify({
      webviewSection: 'capture',
      ...target,
      preventDefaultContextMenuItems: true,
    });
  else delete graph.dataset.vscodeContext;
});
// A network with too many members to draw is one group: a click opens it; a double click on the opened network
// closes it again.
view.cy.on('tap', 'node[kind = "group"]', (e: EventObject) => post('toggleGroup', { id: e.target.id() as string }));
view.cy.on('dbltap', 'node[kind = "network"].expanded', (e: EventObject) =>
  post('toggleGroup', { id: e.target.id() as string }),
);
view.cy.on('viewport', () => {
  details.hidden = true;
});

// Toolbar.
let searchTimer: number | undefined;
function runSearch(): void {
  const n = view.setQuery(search.value);
  $('matches').textContent = search.value.trim() ? `${n} match${n === 1 ? '' : 'es'}` : '';
}
search.addEventListener('input', () => {
  window.clearTimeout(searchTimer);
  searchTimer = window.setTimeout(runSearch, 120);
});
for (const id of ['show-loopback', 'show-down', 'show-unlinked']) {
  checkbox(id).addEventListener('change', () => enqueue(async () => report(await view.setFilter(readFilter()))));
}
// The live-connections overlay: the extension reads connections every few seconds while it is on and sends the
// picture with them as edges.
checkbox('show-connections').addEventListener('change', () =>
  post('overlay', { on: checkbox('show-connections').checked }),
);
$('layout').addEventListener('change', () => {
  const name = ($<HTMLElement & { value: string }>('layout').value === 'elk' ? 'elk' : 'fcose') as LayoutName;
  enqueue(async () => report(await view.relayout(name)));
});
$('fit').addEventListener('click', () => view.cy.fit(undefined, 30));
$('fit-readable').addEventListener('click', () => fitReadable(view.cy));
$('zoom-in').addEventListener('click', () =>
  view.cy.zoom({ level: view.cy.zoom() * 1.25, renderedPosition: { x: view.cy.width() / 2, y: view.cy.height() / 2 } }),
);
$('zoom-out').addEventListener('click', () =>
  view.cy.zoom({ level: view.cy.zoom() / 1.25, renderedPosition: { x: view.cy.width() / 2, y: view.cy.height() / 2 } }),
);
$('relayout').addEventListener('click', () =>
  enqueue(async () => {
    report(await view.relayout());
    savePositions();
  }),
);
// A node dragged somewhere stays there: the extension keeps the positions per host.
view.cy.on('dragfree', 'node', () => savePositions());
const requestExport = (format: ExportFormat) => post('requestExport', { format });
$('export-svg').addEventListener('click', () => requestExport('svg'));
$('export-png').addEventListener('click', () => requestExport('png'));

// VS Code switches themes by changing the body's class and the CSS variables: restyle then.
new MutationObserver(() => view.applyTheme()).observe(document.body, { attributes: true, attributeFilter: ['class'] });

/** For tests and automation: read-only views of the picture's state. */
const api = {
  counts: () => view.counts(),
  renderedCenter: (id: string) => {
    const e = view.cy.getElementById(id);
    if (e.empty()) return null;
    const rect = view.cy.container()!.getBoundingClientRect();
    const p = e.isNode()
      ? (e as unknown as NodeSingular).renderedPosition()
      : (e as unknown as EdgeSingular).renderedMidpoint();
    return { x: rect.left + p.x, y: rect.top + p.y };
  },
  positions: () =>
    Object.fromEntries(
      view.cy
        .nodes()
        .toArray()
        .filter((n) => !n.isParent())
        .map((n) => [n.id(), { ...n.position() }]),
    ),
  viewport: () => ({ zoom: view.cy.zoom(), pan: { ...view.cy.pan() } }),
  classes: (id: string) => view.cy.getElementById(id).classes(),
  selected: () => view.cy.elements(':selected').map((e) => e.id()),
  labels: () => view.cy.elements().map((e) => String(e.data('label') ?? '')),
  svg: () => exportSvg(view.cy, view.theme),
  /** When the last ELK layout ran in its worker (performance.now() times). */
  lastLayout: () => ({ ...lastLayout }),
  /**
   * The colours the picture draws with (each element's fill, border, text and line, in canonical canvas form), and
   * those of the theme the page read from VS Code's variables: the first must all be among the second.
   */
  colours: () => {
    const ctx = document.createElement('canvas').getContext('2d')!;
    const canon = (c: string) => {
      ctx.fillStyle = '#000000';
      ctx.fillStyle = c;
      return String(ctx.fillStyle);
    };
    const drawn = new Set<string>();
    view.cy.elements().forEach((e) => {
      if (!e.visible()) return;
      const props = e.isNode()
        ? ['background-color', 'border-color', 'color', 'text-outline-color']
        : ['line-color', 'color', 'text-outline-color'];
      if (e.isEdge() && e.style('target-arrow-shape') !== 'none') props.push('target-arrow-color');
      for (const p of props) drawn.add(canon(String(e.style(p))));
    });
    const theme = new Set(
      Object.values(view.theme)
        .filter((v): v is string => typeof v === 'string' && /^(#|rgb)/.test(v))
        .map(canon),
    );
    return { drawn: [...drawn].sort(), theme: [...theme].sort(), body: document.body.className };
  },
  /** Every label's size on screen and its box in rendered pixels, and whether cytoscape draws it at this zoom. */
  labelBoxes: () => {
    const zoom = view.cy.zoom();
    return view.cy
      .elements()
      .filter((e) => String(e.data('label') ?? '') !== '')
      .map((e) => {
        // pstyle (the computed style) is cytoscape's, missing from its typings.
        const style = (name: string) =>
          (e as unknown as { pstyle(n: string): { pfValue: number; value: unknown } }).pstyle(name);
        const px = Number(style('font-size').pfValue) * zoom;
        const b = e.renderedBoundingBox({ includeNodes: false, includeEdges: false, includeLabels: true });
        return {
          id: e.id(),
          kind: String(e.data('kind')),
          top:
            e.isNode() &&
            (e.data('kind') === 'network' || e.data('kind') === 'world' || (e as unknown as NodeSingular).isOrphan()),
          px,
          drawn: Number(style('text-opacity').value) > 0 && e.visible(),
          box: { x1: b.x1, y1: b.y1, x2: b.x2, y2: b.y2 },
        };
      });
  },
};
(window as unknown as { netnsTopology: typeof api }).netnsTopology = api;

post('ready', {});
