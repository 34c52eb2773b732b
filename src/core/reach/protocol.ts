// Messages between the extension and the reachability page, and the display-ready matrix the page draws. Every label
// is untrusted text: the page puts it in the DOM as text, never as markup.
import type { ReachMatrix } from './matrix';
import { cellWord, groupMatrix, summary } from './render';

export type CellWord = 'connects' | 'refused' | 'times out' | 'no reply' | 'leaves';

export interface ReachViewCell {
  row: number;
  column: number;
  word: CellWord;
  uncertain: boolean;
  /** The trace's first line. */
  answer: string;
  /** The deciding rule, `nat DOCKER #3: -A DOCKER …`, or null. */
  rule: string | null;
}

export interface ReachView {
  rows: { key: string; label: string }[];
  columns: { key: string; label: string; kind: 'listener' | 'published' }[];
  cells: ReachViewCell[];
  /** Rows (and columns) answering alike, for the page's "group alike" switch. */
  groups: { rows: number[][]; columns: number[][] };
  summary: string;
}

export function reachView(m: ReachMatrix): ReachView {
  return {
    rows: m.rows.map((r) => ({ key: r.key, label: r.label })),
    columns: m.columns.map((c) => ({ key: c.key, label: c.label, kind: c.kind })),
    cells: m.cells.map((c) => ({
      row: c.row,
      column: c.column,
      word: cellWord(c) as CellWord,
      uncertain: c.uncertain,
      answer: c.answer,
      rule: c.rule ? `${c.rule.table} ${c.rule.chain} #${c.rule.index + 1}: ${c.rule.text}` : null,
    })),
    groups: groupMatrix(m),
    summary: summary(m),
  };
}

export type ExportKind = 'markdown' | 'csv';

/** Extension → page. */
export type ToReachPage =
  { type: 'matrix'; view: ReachView } | { type: 'busy'; text: string } | { type: 'error'; text: string };

/** Page → extension. */
export type FromReachPage =
  | { type: 'ready' }
  | { type: 'open'; row: number; column: number }
  | { type: 'export'; format: ExportKind }
  | { type: 'refresh' };

/** Checks a message from the page (the page is trusted less than the extension). */
export function isFromReachPage(m: unknown): m is FromReachPage {
  if (typeof m !== 'object' || m === null) return false;
  const o = m as Record<string, unknown>;
  switch (o.type) {
    case 'ready':
    case 'refresh':
      return true;
    case 'open':
      return Number.isInteger(o.row) && Number.isInteger(o.column);
    case 'export':
      return o.format === 'markdown' || o.format === 'csv';
    default:
      return false;
  }
}
