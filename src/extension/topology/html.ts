// The topology page's HTML and its Content Security Policy: no inline script or style, scripts only by nonce.

export interface PageResources {
  /** `webview.cspSource`: the origin the bundle is served from. */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

export function contentSecurityPolicy(r: Pick<PageResources, 'cspSource' | 'nonce'>): string {
  return [
    "default-src 'none'",
    `img-src ${r.cspSource} data:`,
    `style-src ${r.cspSource}`,
    `font-src ${r.cspSource}`,
    `script-src 'nonce-${r.nonce}'`,
    // The layout worker (dist/elk-worker.js, its text posted by the extension): a webview cannot start a worker
    // from its resource URL, which is another origin.
    'worker-src blob:',
  ].join('; ');
}

/** 32 characters of base64 from 24 random bytes (crypto.getRandomValues, available in Node 20 and browsers). */
export function makeNonce(): string {
  const bytes = new Uint8Array(24);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

/** Text for an HTML attribute value in double quotes. */
export const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/**
 * Static markup only: every name reaches the page later as JSON in a message. The stylesheet link
 * carries the id cytoscape looks for before it injects a <style> of its own, which the CSP would refuse.
 */
export function topologyHtml(r: PageResources): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(r))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link id="__________cytoscape_stylesheet" rel="stylesheet" href="${attr(r.styleUri)}">
<title>Topology</title>
</head>
<body>
<div id="toolbar" role="toolbar" aria-label="Topology">
  <vscode-textfield id="search" placeholder="Search name, address or port" aria-label="Search"></vscode-textfield>
  <span id="matches" aria-live="polite"></span>
  <vscode-checkbox id="show-loopback">Loopback</vscode-checkbox>
  <vscode-checkbox id="show-down" checked>Down interfaces</vscode-checkbox>
  <vscode-checkbox id="show-unlinked" checked>Namespaces with no links</vscode-checkbox>
  <vscode-checkbox id="show-connections" title="Draw the connections the kernel tracks, refreshed every few seconds">Live connections</vscode-checkbox>
  <vscode-single-select id="layout" aria-label="Layout">
    <vscode-option value="elk" selected>Layered layout</vscode-option>
    <vscode-option value="fcose">Compact layout</vscode-option>
  </vscode-single-select>
  <vscode-button id="relayout" secondary title="Lay out again">Re-layout</vscode-button>
  <vscode-button id="fit-readable" secondary title="Zoom so that the boxes' titles are readable">Readable</vscode-button>
  <vscode-button id="fit" secondary title="Fit the whole picture to the window">Fit</vscode-button>
  <vscode-button id="zoom-in" secondary title="Zoom in" aria-label="Zoom in">+</vscode-button>
  <vscode-button id="zoom-out" secondary title="Zoom out" aria-label="Zoom out">−</vscode-button>
  <vscode-button id="export-svg" secondary>Export SVG</vscode-button>
  <vscode-button id="export-png" secondary>Export PNG</vscode-button>
  <span id="status" aria-live="polite"></span>
</div>
<div id="message" aria-live="polite"></div>
<div id="graph"></div>
<div id="details" role="tooltip" hidden></div>
<script nonce="${attr(r.nonce)}" src="${attr(r.scriptUri)}"></script>
</body>
</html>
`;
}

/**
 * A small page (the reachability matrix, a capture): the CSP, its stylesheet and script, a title and static markup.
 * `body` is the extension's own markup; every untrusted string reaches the page later, in a message.
 */
export function pageHtml(r: PageResources & { title: string; body: string }): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(r))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(r.styleUri)}">
<title>${attr(r.title)}</title>
</head>
<body data-state="busy">
${r.body}
<script nonce="${attr(r.nonce)}" src="${attr(r.scriptUri)}"></script>
</body>
</html>
`;
}
