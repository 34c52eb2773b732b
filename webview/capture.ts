// Entry of the capture page: the live packet list of one capture (one or more interfaces), Pause (the list freezes,
// the capture goes on), Stop, Save pcapng…, Open in Wireshark, and the selected packet's details. Everything shown
// comes from packets and names: untrusted, so only ever textContent.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { CaptureSourceView, FromCapturePage, ToCapturePage } from '../src/core/capture/protocol';
import { DISPLAY_KEPT, Tail, type ShownPacket } from '../src/core/capture/session';
import { endpoint } from '../src/core/net/address';

const vscode = acquireVsCodeApi();
const post = (m: FromCapturePage): void => vscode.postMessage(m);
const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

const body = $<HTMLTableElement>('packets').tBodies[0]!;
const wrap = $('wrap');
const status = $('status');
const pauseButton = $('pause');
const detail = $('detail');
let paused = false;
/** Packets that came while paused, shown on Resume (the last DISPLAY_KEPT of them). */
let held = new Tail<ShownPacket>();
const shown = new Map<HTMLTableRowElement, ShownPacket>();
let totals = { packets: 0, bytes: 0 };
let heading = '';

function row(p: ShownPacket): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.className = `proto-${p.protocol.replace(/[^A-Za-z0-9]/g, '')}`;
  for (const text of [
    String(p.no),
    p.time.toFixed(6),
    p.where,
    endpoint(p.src, p.sport),
    endpoint(p.dst, p.dport),
    p.protocol,
    String(p.length),
    p.summary,
  ]) {
    const td = document.createElement('td');
    td.textContent = text;
    tr.appendChild(td);
  }
  shown.set(tr, p);
  return tr;
}

function append(rows: ShownPacket[]): void {
  const atBottom = wrap.scrollTop + wrap.clientHeight >= wrap.scrollHeight - 24;
  const fragment = document.createDocumentFragment();
  for (const p of rows.slice(-DISPLAY_KEPT)) fragment.appendChild(row(p));
  body.appendChild(fragment);
  // A bounded list: the oldest rows go (the file keeps every packet).
  while (body.rows.length > DISPLAY_KEPT) {
    const first = body.rows[0]!;
    shown.delete(first);
    first.remove();
  }
  if (atBottom) wrap.scrollTop = wrap.scrollHeight;
}

function showStatus(): void {
  const fresh = held.all.length + held.dropped;
  const waiting = paused && fresh ? ` · paused, ${fresh} new` : paused ? ' · paused' : '';
  status.textContent = `${heading}${totals.packets} packets, ${totals.bytes} bytes${waiting}`;
  pauseButton.textContent = paused ? `Resume${fresh ? ` (${fresh} new)` : ''}` : 'Pause';
}

function showSources(sources: CaptureSourceView[]): void {
  const list = $('sources');
  list.replaceChildren(
    ...sources.map((s) => {
      const span = document.createElement('span');
      span.className = `source ${s.error ? 'failed' : s.listening ? 'listening' : 'starting'}`;
      const state = s.error
        ? `failed: ${s.error}`
        : s.listening
          ? `listening, ${s.packets} packets${s.droppedByKernel ? `, ${s.droppedByKernel} dropped by the kernel` : ''}`
          : 'starting';
      span.textContent = `${s.where}: ${state}`;
      return span;
    }),
  );
}

window.addEventListener('message', (event: MessageEvent) => {
  const m = event.data as ToCapturePage;
  switch (m.type) {
    case 'start':
      document.body.dataset.state = 'capturing';
      heading = `${m.filter ? `filter ${m.filter} · ` : ''}limits ${m.limits.packets} packets, ${m.limits.seconds} s · `;
      $('wireshark').hidden = !m.wireshark;
      detail.textContent = `Saved as it comes to ${m.file}`;
      showSources(m.sources);
      showStatus();
      break;
    case 'packets':
      totals = { packets: m.packets, bytes: m.bytes };
      if (paused) held.push(...m.rows);
      else append(m.rows);
      showStatus();
      break;
    case 'sources':
      showSources(m.sources);
      break;
    case 'ended':
      document.body.dataset.state = 'ended';
      heading = `Ended (${m.text}) · `;
      $('stop').setAttribute('disabled', '');
      if (paused) pauseButton.click();
      showStatus();
      break;
  }
});

pauseButton.addEventListener('click', () => {
  paused = !paused;
  if (!paused) {
    append([...held.all]);
    held = new Tail<ShownPacket>();
  }
  showStatus();
});
$('stop').addEventListener('click', () => post({ type: 'stop' }));
$('save').addEventListener('click', () => post({ type: 'save' }));
$('wireshark').addEventListener('click', () => post({ type: 'wireshark' }));
body.addEventListener('click', (e) => {
  const tr = (e.target as HTMLElement).closest('tr');
  const p = tr ? shown.get(tr) : undefined;
  if (!tr || !p) return;
  for (const r of body.querySelectorAll('tr.selected')) r.classList.remove('selected');
  tr.classList.add('selected');
  detail.textContent = [
    `No. ${p.no} · ${p.where} · ${new Date(Number(BigInt(p.tsNs) / 1_000_000n)).toISOString()}`,
    `${p.protocol} ${endpoint(p.src, p.sport)} → ${endpoint(p.dst, p.dport)} · ${p.length} bytes on the wire`,
    p.summary,
    p.payload ? `payload: ${p.payload}` : 'no payload',
  ].join('\n');
});
post({ type: 'ready' });
