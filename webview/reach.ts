// Entry of the reachability page: the grid of sources × destinations, each cell what a client would see, "group
// alike", export, and a click that opens the cell's trace. Labels are untrusted: only ever textContent and title.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import type { FromReachPage, ReachView, ReachViewCell, ToReachPage } from '../src/core/reach/protocol';

const vscode = acquireVsCodeApi();
const post = (m: FromReachPage): void => vscode.postMessage(m);
const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

const grid = $<HTMLTableElement>('grid');
const status = $('status');
const group = $<HTMLElement & { checked: boolean }>('group');
let current: ReachView | null = null;

const SYMBOL: Record<ReachViewCell['word'], string> = {
  connects: '✓',
  refused: 'R',
  'times out': '✗',
  'no reply': '✗',
  leaves: '→',
};

function groupLabel(labels: string[]): string {
  return labels.length > 1 ? `${labels[0]} (+${labels.length - 1} alike)` : (labels[0] ?? '');
}

function draw(view: ReachView): void {
  const rowGroups = group.checked ? view.groups.rows : view.rows.map((_, i) => [i]);
  const colGroups = group.checked ? view.groups.columns : view.columns.map((_, i) => [i]);
  const at = new Map<number, ReachViewCell>();
  for (const c of view.cells) at.set(c.row * view.columns.length + c.column, c);
  grid.replaceChildren();
  const head = grid.createTHead().insertRow();
  const corner = document.createElement('th');
  corner.className = 'corner';
  corner.textContent = 'from \\ to';
  head.appendChild(corner);
  for (const cols of colGroups) {
    const th = document.createElement('th');
    th.className = 'column';
    const labels = cols.map((c) => view.columns[c]?.label ?? '');
    const span = document.createElement('span');
    span.textContent = groupLabel(labels);
    th.title = labels.join('\n');
    th.appendChild(span);
    head.appendChild(th);
  }
  const body = grid.createTBody();
  for (const rows of rowGroups) {
    const tr = body.insertRow();
    const th = document.createElement('th');
    th.className = 'row';
    const labels = rows.map((r) => view.rows[r]?.label ?? '');
    th.textContent = groupLabel(labels);
    th.title = labels.join('\n');
    tr.appendChild(th);
    const r = rows[0] ?? 0;
    for (const cols of colGroups) {
      const c = cols[0] ?? 0;
      const td = tr.insertCell();
      const cell = at.get(r * view.columns.length + c);
      if (!cell) {
        td.className = 'na';
        td.textContent = '·';
        td.title = 'not applicable: a loopback address, dialled only from its own namespace';
        continue;
      }
      td.className = `cell ${cell.word.replace(' ', '-')}${cell.uncertain ? ' uncertain' : ''}`;
      const button = document.createElement('button');
      button.dataset.row = String(cell.row);
      button.dataset.column = String(cell.column);
      // The cell's context menu (Trace with the Kernel) gets the cell: VS Code reads this attribute on right-click.
      button.dataset.vscodeContext = JSON.stringify({
        webviewSection: 'cell',
        row: cell.row,
        column: cell.column,
        preventDefaultContextMenuItems: true,
      });
      button.textContent = `${SYMBOL[cell.word]}${cell.uncertain ? '?' : ''}`;
      button.title = `${view.rows[cell.row]?.label} → ${view.columns[cell.column]?.label}\n${cell.word}${cell.uncertain ? ' (uncertain)' : ''}: ${cell.answer}${cell.rule ? `\nrule: ${cell.rule}` : ''}\nClick to open the trace.`;
      button.setAttribute(
        'aria-label',
        `${view.rows[cell.row]?.label} to ${view.columns[cell.column]?.label}: ${cell.word}`,
      );
      td.appendChild(button);
    }
  }
  status.textContent = view.summary;
}

grid.addEventListener('click', (e) => {
  const button = (e.target as HTMLElement).closest('button');
  if (!button?.dataset.row) return;
  post({ type: 'open', row: Number(button.dataset.row), column: Number(button.dataset.column) });
});
group.addEventListener('change', () => current && draw(current));
$('refresh').addEventListener('click', () => post({ type: 'refresh' }));
$('export-md').addEventListener('click', () => post({ type: 'export', format: 'markdown' }));
$('export-csv').addEventListener('click', () => post({ type: 'export', format: 'csv' }));

window.addEventListener('message', (e: MessageEvent<ToReachPage>) => {
  const m = e.data;
  if (m.type === 'matrix') {
    current = m.view;
    draw(m.view);
    document.body.dataset.state = 'ready';
  } else if (m.type === 'busy') {
    status.textContent = m.text;
    document.body.dataset.state = 'busy';
  } else if (m.type === 'error') {
    status.textContent = m.text;
    document.body.dataset.state = 'error';
  }
});
post({ type: 'ready' });
