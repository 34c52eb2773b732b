// The traced path as an event the topology view can consume: namespace ids and interfaces, in travel order.
import * as vscode from 'vscode';
import type { TraceResult, Verdict } from '../../core/trace/types';

export interface TracedPath {
  /** Namespace ids in the order the packet passes them (repeats merged). */
  namespaces: string[];
  /** Interfaces the packet enters or leaves by, as `{namespace, ifname}`. */
  interfaces: { namespace: string; ifname: string }[];
  verdict: Verdict['kind'];
  summary: string;
}

const emitter = new vscode.EventEmitter<TracedPath | null>();
let last: TracedPath | null = null;

/** Fires with each new trace's path, and with null when the trace is cleared. */
export const onDidTracePath: vscode.Event<TracedPath | null> = emitter.event;

/** The latest path (a topology opened after the trace asks for it once). */
export function currentTracedPath(): TracedPath | null {
  return last;
}

export function tracedPathOf(result: TraceResult): TracedPath {
  const outcome = result.outcomes[0];
  const namespaces: string[] = [];
  const interfaces: TracedPath['interfaces'] = [];
  for (const hop of outcome?.path ?? []) {
    if (namespaces[namespaces.length - 1] !== hop.namespace) namespaces.push(hop.namespace);
    for (const ifname of [hop.inIface, hop.outIface]) {
      if (ifname !== null && !interfaces.some((i) => i.namespace === hop.namespace && i.ifname === ifname))
        interfaces.push({ namespace: hop.namespace, ifname });
    }
  }
  // The path's colour says whether the connection works: a lost reply fails it as a stopped request does.
  const verdict =
    result.connected || result.verdict.kind !== 'delivered' ? result.verdict.kind : (result.reply?.kind ?? 'dropped');
  return { namespaces, interfaces, verdict, summary: result.summary };
}

export function publishTracedPath(path: TracedPath | null): void {
  last = path;
  emitter.fire(path);
}

export function disposeHighlight(): void {
  emitter.dispose();
}
