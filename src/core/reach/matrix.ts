// The reachability matrix: every row's connection to every column traced from one snapshot, first packet and reply.
import type { NamespaceId, Snapshot } from '../model';
import { traceConnection } from '../trace/trace';
import type { NamespaceExtras, Protocol, RuleLink, TraceRequest, TraceResult, Verdict } from '../trace/types';
import { reachColumns, reachRows, type ReachColumn, type ReachRow, type ReachScope } from './targets';

export interface ReachCell {
  /** The row's `from`: a namespace id, or `outside:IFACE` (then `via` is the namespace it arrives in). */
  from: string;
  via?: NamespaceId;
  to: { namespace: NamespaceId; ip: string; port: number; proto: Protocol };
  verdict: Verdict;
  reply: Verdict | null;
  /** The request delivered and its reply back: the connection works. */
  connected: boolean;
  uncertain: boolean;
  /** The rule that decides: the one stopping the request or its reply, else the DNAT that carried it; or null. */
  rule: RuleLink | null;
  /** The trace's first line for this cell. */
  answer: string;
  /** Indexes into the matrix's rows and columns. */
  row: number;
  column: number;
}

export interface ReachMatrix {
  rows: ReachRow[];
  columns: ReachColumn[];
  cells: ReachCell[];
}

export function cellRequest(row: ReachRow, column: ReachColumn): TraceRequest {
  return { source: row.source, dst: column.ip, dport: column.port, protocol: column.proto };
}

/** Whether a row can dial a column at all: a loopback address only from its own namespace, and not from outside. */
export function applicable(row: ReachRow, column: ReachColumn): boolean {
  return column.onlyFrom === null || (row.source.kind === 'local' && row.namespace === column.onlyFrom);
}

function ruleOf(v: Verdict | null): RuleLink | null {
  return v && v.kind !== 'delivered' && v.kind !== 'left' ? v.rule : null;
}

/** The deciding rule of a trace: what stopped the request, or its reply; else the DNAT rule the request met. */
export function decidingRule(result: TraceResult): RuleLink | null {
  const first = result.outcomes[0];
  const stop = ruleOf(result.verdict) ?? ruleOf(result.reply);
  if (stop || !first) return stop;
  const dnat = first.steps.find((s) => s.kind === 'nat' && s.rule !== null);
  return dnat?.rule ?? null;
}

export function cellOf(result: TraceResult, row: ReachRow, column: ReachColumn, r: number, c: number): ReachCell {
  // Statistic branches that disagree on the connection make the cell uncertain: it depends on the draw.
  const split = result.outcomes.some((o) => o.connected !== result.connected);
  return {
    from: row.from,
    ...(row.source.kind === 'outside' ? { via: row.namespace } : {}),
    to: { namespace: column.namespace, ip: column.ip, port: column.port, proto: column.proto },
    verdict: result.verdict,
    reply: result.reply,
    connected: result.connected,
    uncertain: result.uncertain || split,
    rule: decidingRule(result),
    answer: result.answer,
    row: r,
    column: c,
  };
}

/** Traces the applicable cells of the rows `pick` chooses (all by default), in row then column order. */
export function computeCells(
  snapshot: Snapshot,
  extras: ReadonlyMap<NamespaceId, NamespaceExtras>,
  rows: readonly ReachRow[],
  columns: readonly ReachColumn[],
  pick: (row: number) => boolean = () => true,
): ReachCell[] {
  const cells: ReachCell[] = [];
  rows.forEach((row, r) => {
    if (!pick(r)) return;
    columns.forEach((column, c) => {
      if (!applicable(row, column)) return;
      cells.push(cellOf(traceConnection(snapshot, extras, cellRequest(row, column)), row, column, r, c));
    });
  });
  return cells;
}

/** Traces every applicable cell of the scope. */
export function computeMatrix(
  snapshot: Snapshot,
  extras: ReadonlyMap<NamespaceId, NamespaceExtras>,
  scope: ReachScope = {},
): ReachMatrix {
  const rows = reachRows(snapshot, scope);
  const columns = reachColumns(snapshot, extras, scope);
  return { rows, columns, cells: computeCells(snapshot, extras, rows, columns) };
}
