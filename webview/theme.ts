// VS Code's theme colours, read from the CSS variables VS Code sets on the page, in forms cytoscape understands.

export interface Theme {
  highContrast: boolean;
  fg: string;
  muted: string;
  bg: string;
  groupBg: string;
  hostBg: string;
  border: string;
  hostBorder: string;
  nodeBg: string;
  bridge: string;
  world: string;
  port: string;
  managed: string;
  nat: string;
  focus: string;
  fontFamily: string;
  fontSize: number;
}

/** `#rrggbbaa` and `#rgba` as `rgba()`: cytoscape reads only 3- and 6-digit hex. */
export function normalizeColor(value: string): string {
  const v = value.trim();
  const long = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(v);
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])([0-9a-f])$/i.exec(v);
  const m = long ?? (short ? [short[0], ...short.slice(1).map((h) => h + h)] : null);
  if (!m) return v;
  const [r, g, b, a] = m.slice(1).map((h) => parseInt(h!, 16));
  return `rgba(${r}, ${g}, ${b}, ${Math.round((a! / 255) * 100) / 100})`;
}

export function readTheme(el: HTMLElement = document.body): Theme {
  const css = getComputedStyle(el);
  const get = (name: string, fallback: string) => normalizeColor(css.getPropertyValue(name)) || fallback;
  const dark = !document.body.classList.contains('vscode-light');
  const highContrast =
    document.body.classList.contains('vscode-high-contrast') ||
    document.body.classList.contains('vscode-high-contrast-light');
  const fg = get('--vscode-editor-foreground', dark ? '#cccccc' : '#333333');
  const contrast = css.getPropertyValue('--vscode-contrastBorder').trim();
  return {
    highContrast,
    fg,
    muted: get('--vscode-descriptionForeground', dark ? '#9d9d9d' : '#717171'),
    bg: get('--vscode-editor-background', dark ? '#1e1e1e' : '#ffffff'),
    groupBg: get('--vscode-sideBar-background', dark ? '#252526' : '#f3f3f3'),
    hostBg: get('--vscode-editorWidget-background', dark ? '#2d2d30' : '#eaeaea'),
    border: contrast ? normalizeColor(contrast) : get('--vscode-panel-border', dark ? '#555555' : '#c8c8c8'),
    hostBorder: get('--vscode-textLink-foreground', dark ? '#3794ff' : '#006ab1'),
    nodeBg: get('--vscode-button-secondaryBackground', dark ? '#3a3d41' : '#e5e5e5'),
    bridge: get('--vscode-charts-blue', '#3794ff'),
    world: get('--vscode-charts-purple', '#b180d7'),
    port: get('--vscode-charts-orange', '#d18616'),
    managed: get('--vscode-charts-green', '#89d185'),
    nat: get('--vscode-charts-red', '#f14c4c'),
    focus: get('--vscode-focusBorder', '#007fd4'),
    fontFamily: css.getPropertyValue('--vscode-font-family').trim() || 'sans-serif',
    fontSize: parseFloat(css.getPropertyValue('--vscode-font-size')) || 13,
  };
}
