// A laid-out picture (boxes, lines, labels) written as standalone SVG, every label as escaped <text>.

export type SvgNodeShape = 'rectangle' | 'round-rectangle' | 'ellipse' | 'hexagon' | 'tag';

export interface SvgNode {
  /** Box in model coordinates. */
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  shape: SvgNodeShape;
  fill: string;
  fillOpacity: number;
  stroke: string;
  strokeWidth: number;
  dashed: boolean;
  label: string;
  /** Where the label sits: above the box (groups), below it, or centred. */
  labelAt: 'above' | 'below' | 'center';
  color: string;
  fontSize: number;
  opacity: number;
  /** Element id, kept as a data attribute so tools can find an element. */
  id: string;
}

export interface SvgEdge {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  color: string;
  width: number;
  dashed: boolean;
  arrow: boolean;
  label: string;
  labelColor: string;
  fontSize: number;
  opacity: number;
  id: string;
}

export interface SvgPicture {
  /** Groups first (drawn below), then the other nodes. */
  nodes: SvgNode[];
  edges: SvgEdge[];
  background: string;
  fontFamily: string;
  /** A margin around the content, in model units. */
  padding?: number;
}

// XML 1.0 forbids most control characters and lone surrogates: replace them so the file always parses.
const XML_INVALID =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function xmlText(text: string): string {
  return text
    .replace(XML_INVALID, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const COLOR = /^(#[0-9a-f]{3,8}|rgba?\([\d.,\s%]+\)|[a-z]+)$/i;
const color = (c: string, fallback = 'none'): string => (COLOR.test(c.trim()) ? c.trim() : fallback);
const n = (v: number): string => (Number.isFinite(v) ? String(Math.round(v * 100) / 100) : '0');

function shapePath(s: SvgNode): string {
  const { x1, y1, x2, y2 } = s;
  const w = x2 - x1;
  const h = y2 - y1;
  switch (s.shape) {
    case 'ellipse':
      return `<ellipse cx="${n(x1 + w / 2)}" cy="${n(y1 + h / 2)}" rx="${n(w / 2)}" ry="${n(h / 2)}"`;
    case 'round-rectangle':
      return `<rect x="${n(x1)}" y="${n(y1)}" width="${n(w)}" height="${n(h)}" rx="${n(Math.min(8, w / 4, h / 4))}"`;
    case 'hexagon': {
      const q = w / 4;
      return `<polygon points="${[
        [x1, y1 + h / 2],
        [x1 + q, y1],
        [x2 - q, y1],
        [x2, y1 + h / 2],
        [x2 - q, y2],
        [x1 + q, y2],
      ]
        .map(([a, b]) => `${n(a!)},${n(b!)}`)
        .join(' ')}"`;
    }
    case 'tag': {
      const q = Math.min(w / 4, h / 2);
      return `<polygon points="${[
        [x1, y1],
        [x2 - q, y1],
        [x2, y1 + h / 2],
        [x2 - q, y2],
        [x1, y2],
      ]
        .map(([a, b]) => `${n(a!)},${n(b!)}`)
        .join(' ')}"`;
    }
    default:
      return `<rect x="${n(x1)}" y="${n(y1)}" width="${n(w)}" height="${n(h)}"`;
  }
}

function textBlock(
  lines: string[],
  x: number,
  firstBaseline: number,
  size: number,
  fill: string,
  halo: string,
): string {
  const spans = lines
    .map((line, i) => `<tspan x="${n(x)}" dy="${i === 0 ? 0 : n(size * 1.25)}">${xmlText(line)}</tspan>`)
    .join('');
  return `<text x="${n(x)}" y="${n(firstBaseline)}" font-size="${n(size)}" text-anchor="middle" fill="${color(fill, '#000')}" stroke="${color(halo, 'none')}" stroke-width="3" paint-order="stroke">${spans}</text>`;
}

function nodeSvg(s: SvgNode, halo: string): string {
  const lines = s.label ? s.label.split('\n') : [];
  const cx = (s.x1 + s.x2) / 2;
  const lh = s.fontSize * 1.25;
  const first =
    s.labelAt === 'above'
      ? s.y1 - 4 - (lines.length - 1) * lh
      : s.labelAt === 'below'
        ? s.y2 + s.fontSize + 2
        : (s.y1 + s.y2) / 2 - ((lines.length - 1) * lh) / 2 + s.fontSize * 0.35;
  const box = `${shapePath(s)} fill="${color(s.fill)}" fill-opacity="${n(s.fillOpacity)}" stroke="${color(s.stroke)}" stroke-width="${n(s.strokeWidth)}"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`;
  const text = lines.length ? textBlock(lines, cx, first, s.fontSize, s.color, halo) : '';
  return `<g data-id="${xmlText(s.id)}" opacity="${n(s.opacity)}">${box}${text}</g>`;
}

function edgeSvg(e: SvgEdge, halo: string): string {
  const line = `<line x1="${n(e.x1)}" y1="${n(e.y1)}" x2="${n(e.x2)}" y2="${n(e.y2)}" stroke="${color(e.color, '#888')}" stroke-width="${n(e.width)}"${e.dashed ? ' stroke-dasharray="6 4"' : ''}${e.arrow ? ' marker-end="url(#arrow)"' : ''}/>`;
  const text = e.label
    ? textBlock(
        e.label.split('\n'),
        (e.x1 + e.x2) / 2,
        (e.y1 + e.y2) / 2 + e.fontSize * 0.35,
        e.fontSize,
        e.labelColor,
        halo,
      )
    : '';
  return `<g data-id="${xmlText(e.id)}" opacity="${n(e.opacity)}">${line}${text}</g>`;
}

/** The whole picture as an SVG document sized to its content. */
export function pictureToSvg(p: SvgPicture): string {
  const pad = p.padding ?? 40;
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -Infinity;
  let y2 = -Infinity;
  for (const s of p.nodes) {
    x1 = Math.min(x1, s.x1);
    y1 = Math.min(y1, s.y1 - (s.labelAt === 'above' ? 60 : 0));
    x2 = Math.max(x2, s.x2);
    y2 = Math.max(y2, s.y2 + (s.labelAt === 'below' ? 40 : 0));
  }
  if (!Number.isFinite(x1)) {
    x1 = 0;
    y1 = 0;
    x2 = 100;
    y2 = 100;
  }
  x1 -= pad;
  y1 -= pad;
  x2 += pad;
  y2 += pad;
  const w = x2 - x1;
  const h = y2 - y1;
  const groups = p.nodes.filter((s) => s.labelAt === 'above');
  const others = p.nodes.filter((s) => s.labelAt !== 'above');
  const edgeColor = color(p.edges[0]?.color ?? '#888', '#888');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${n(w)}" height="${n(h)}" viewBox="${n(x1)} ${n(y1)} ${n(w)} ${n(h)}" font-family="${xmlText(p.fontFamily)}">`,
    '<title>Netns Explorer topology</title>',
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${edgeColor}"/></marker></defs>`,
    `<rect x="${n(x1)}" y="${n(y1)}" width="${n(w)}" height="${n(h)}" fill="${color(p.background, '#fff')}"/>`,
    ...groups.map((s) => nodeSvg(s, p.background)),
    ...p.edges.map((e) => edgeSvg(e, p.background)),
    ...others.map((s) => nodeSvg(s, p.background)),
    '</svg>',
    '',
  ].join('\n');
}
