// Messages between the extension and the capture page. Every string in them (names, addresses, summaries, payload
// text) is untrusted: the page sets it as text, never as markup.
import type { CaptureLimits, ShownPacket } from './session';

export interface CaptureSourceView {
  /** `namespace/interface`. */
  where: string;
  listening: boolean;
  error: string | null;
  packets: number;
  droppedByKernel: number | null;
}

/** Extension → page. */
export type ToCapturePage =
  | {
      type: 'start';
      title: string;
      filter: string;
      limits: CaptureLimits;
      sources: CaptureSourceView[];
      file: string;
      wireshark: boolean;
    }
  | { type: 'packets'; rows: ShownPacket[]; packets: number; bytes: number }
  | { type: 'sources'; sources: CaptureSourceView[] }
  | { type: 'ended'; text: string };

/** Page → extension. Pause is the page's own: it freezes the list while the capture goes on. */
export type FromCapturePage = { type: 'ready' } | { type: 'stop' } | { type: 'save' } | { type: 'wireshark' };

const FROM_PAGE = new Set(['ready', 'stop', 'save', 'wireshark']);

export function isFromCapturePage(m: unknown): m is FromCapturePage {
  return typeof m === 'object' && m !== null && FROM_PAGE.has((m as { type?: unknown }).type as string);
}
