// The matrix in words: one symbol per cell, rows and columns with identical answers grouped, and the exports (text,
// Markdown, CSV, JSON) the CLI and the view share.
import { escapeMarkdown } from '../markdown';
import { endpoint } from '../net/address';
import type { Snapshot } from '../model';
import { nsLabel } from '../trace/engine';
import type { Verdict } from '../trace/types';
import type { ReachCell, ReachMatrix } from './matrix';

/** A cell in one word: what the client sees. */
export function cellWord(cell: ReachCell): string {
  if (cell.connected) return 'connects';
  const v = cell.verdict.kind === 'delivered' && cell.reply ? cell.reply : cell.verdict;
  if (cell.verdict.kind === 'delivered') return 'no reply';
  return v.kind === 'refused' ? 'refused' : v.kind === 'left' ? 'leaves' : 'times out';
}

/** One character per cell for the text grid, `?` appended when uncertain. */
export function cellSymbol(cell: ReachCell | undefined): string {
  if (!cell) return '·';
  const word = cellWord(cell);
  const s = word === 'connects' ? '✓' : word === 'refused' ? 'R' : word === 'leaves' ? '→' : '✗';
  return cell.uncertain ? `${s}?` : s;
}

export interface Grouped {
  /** Each group: indexes of rows (or columns) whose cells all answer alike. */
  rows: number[][];
  columns: number[][];
}

const signature = (cell: ReachCell | undefined): string =>
  cell ? `${cellWord(cell)}${cell.uncertain ? '?' : ''}` : '-';

/** Rows with identical answers across every column, and columns with identical answers down every row. */
export function groupMatrix(m: ReachMatrix): Grouped {
  const at = cellIndex(m);
  const group = (count: number, other: number, key: (i: number, j: number) => string): number[][] => {
    const byKey = new Map<string, number[]>();
    for (let i = 0; i < count; i++) {
      const k = Array.from({ length: other }, (_, j) => key(i, j)).join('|');
      const list = byKey.get(k) ?? [];
      list.push(i);
      byKey.set(k, list);
    }
    return [...byKey.values()];
  };
  return {
    rows: group(m.rows.length, m.columns.length, (r, c) => signature(at(r, c))),
    columns: group(m.columns.length, m.rows.length, (c, r) => signature(at(r, c))),
  };
}

/** Finds a cell by row and column. */
export function cellIndex(m: ReachMatrix): (row: number, column: number) => ReachCell | undefined {
  const index = new Map<number, ReachCell>();
  for (const cell of m.cells) index.set(cell.row * m.columns.length + cell.column, cell);
  return (row, column) => index.get(row * m.columns.length + column);
}

export function summary(m: ReachMatrix): string {
  const count = (word: string) => m.cells.filter((c) => cellWord(c) === word).length;
  const uncertain = m.cells.filter((c) => c.uncertain).length;
  return (
    `${m.cells.length} cells (${m.rows.length} sources × ${m.columns.length} destinations): ` +
    `${count('connects')} connect, ${count('refused')} refused, ${count('times out') + count('no reply')} time out` +
    `${count('leaves') ? `, ${count('leaves')} leave the host` : ''}; ${uncertain} uncertain`
  );
}

const verdictWord = (v: Verdict | null): string => (v ? v.kind : '');

/** The text grid: columns numbered with a legend under it (labels are long), then the summary. */
export function renderReachText(m: ReachMatrix): string {
  const at = cellIndex(m);
  const width = Math.max(6, ...m.rows.map((r) => r.label.length));
  const head = m.columns.map((_, c) => String(c + 1).padStart(3)).join('');
  const lines = [`${''.padEnd(width)} ${head}`];
  m.rows.forEach((row, r) => {
    const cells = m.columns.map((_, c) => cellSymbol(at(r, c)).padStart(3)).join('');
    lines.push(`${row.label.padEnd(width)} ${cells}`);
  });
  lines.push('', 'destinations:');
  m.columns.forEach((col, c) => lines.push(`${String(c + 1).padStart(4)}  ${col.label}`));
  lines.push('', '✓ connects   R refused   ✗ times out   → leaves the host   ? uncertain   · not applicable');
  lines.push(summary(m), '');
  return lines.join('\n');
}

/** A Markdown table (labels escaped: namespace and process names are untrusted), one row per source. */
export function renderReachMarkdown(m: ReachMatrix): string {
  const at = cellIndex(m);
  const cellText = (r: number, c: number): string => {
    const cell = at(r, c);
    return cell ? `${cellWord(cell)}${cell.uncertain ? ' (uncertain)' : ''}` : '';
  };
  const lines = [
    `| from \\ to | ${m.columns.map((c) => escapeMarkdown(c.label)).join(' | ')} |`,
    `|---|${m.columns.map(() => '---').join('|')}|`,
    ...m.rows.map(
      (row, r) => `| ${escapeMarkdown(row.label)} | ${m.columns.map((_, c) => cellText(r, c)).join(' | ')} |`,
    ),
    '',
    escapeMarkdown(summary(m)),
    '',
  ];
  return lines.join('\n');
}

/** RFC 4180 field: quoted when it holds a comma, quote or line break; a leading formula character is defused. */
export function csvField(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One line per cell. */
export function renderReachCsv(snapshot: Snapshot, m: ReachMatrix): string {
  const header = [
    'from',
    'via',
    'to_namespace',
    'to',
    'proto',
    'result',
    'connected',
    'uncertain',
    'verdict',
    'reply',
    'rule',
    'answer',
  ];
  const lines = [header.join(',')];
  for (const cell of m.cells) {
    const row = m.rows[cell.row];
    lines.push(
      [
        row?.label ?? cell.from,
        cell.via ? nsLabel(snapshot, cell.via) : '',
        nsLabel(snapshot, cell.to.namespace),
        endpoint(cell.to.ip, cell.to.port),
        cell.to.proto,
        cellWord(cell),
        String(cell.connected),
        String(cell.uncertain),
        verdictWord(cell.verdict),
        verdictWord(cell.reply),
        cell.rule ? `${cell.rule.table} ${cell.rule.chain} #${cell.rule.index + 1}: ${cell.rule.text}` : '',
        cell.answer,
      ]
        .map(csvField)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
