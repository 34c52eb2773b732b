// Playwright helpers for UI tests against the real workbench (code-server started by scripts/vscode-test.mjs e2e).
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the running code-server is; set by `node scripts/vscode-test.mjs e2e`. */
export function serverInfo(): { port: number; repoRoot: string; workspace: string } {
  const port = Number(process.env.NX_CODE_SERVER_PORT);
  if (!port)
    throw new Error(
      'NX_CODE_SERVER_PORT is not set: run the UI tests with `node scripts/vscode-test.mjs e2e` (or `npm test e2e`)',
    );
  const repoRoot = process.env.NX_REPO_ROOT ?? process.cwd();
  return { port, repoRoot, workspace: process.env.NX_WORKSPACE ?? repoRoot };
}

export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * The workbench URL with the repo loaded as Extension Development Host (same shape as scripts/code-server.mjs
 * workbenchUrl).
 */
export function workbenchUrl(folder?: string, server?: OtherServer): string {
  const info = server ? { ...server, workspace: folder ?? '/' } : serverInfo();
  const { port, workspace } = info;
  const extensionPath = server ? server.extensionPath : serverInfo().repoRoot;
  const payload = extensionPath
    ? [['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${extensionPath}`]]
    : [];
  const params = new URLSearchParams({ folder: folder ?? workspace });
  if (payload.length) params.set('payload', JSON.stringify(payload));
  return `http://127.0.0.1:${port}/?${params.toString()}`;
}

export interface Workbench {
  browser: Browser;
  page: Page;
  /** Messages the page logged at level error (the gallery-unreachable error is expected and harmless). */
  errors: string[];
  close(): Promise<void>;
}

/**
 * A code-server a test started itself (another user's). With `extensionPath` it loads that folder as an Extension
 * Development Host; without, the window runs the extensions installed in that server (a .vsix).
 */
export interface OtherServer {
  port: number;
  extensionPath?: string;
}

export interface LaunchOptions {
  folder?: string;
  server?: OtherServer;
  width?: number;
  height?: number;
  /** Runs before the workbench is loaded, e.g. to install init scripts that must see every frame. */
  beforeLoad?: (page: Page) => Promise<unknown>;
}

/**
 * Launches headless Debian Chromium and opens the workbench with the extension loaded; resolves once
 * the workbench has rendered (activity bar and status bar visible). Each call is a fresh browser, so
 * per-window state (open views, editors) does not leak between tests.
 */
export async function launchWorkbench(options: LaunchOptions = {}): Promise<Workbench> {
  const browser = await chromium.launch({
    executablePath: process.env.NX_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: chromiumArgs,
  });
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(String(err)));
  await options.beforeLoad?.(page);
  await page.goto(workbenchUrl(options.folder, options.server));
  await waitForWorkbench(page, 60000, options.server !== undefined && options.server.extensionPath === undefined);
  return { browser, page, errors, close: () => browser.close() };
}

/** Waits until the workbench is drawn and the Extension Development Host has registered its extensions. */
export async function waitForWorkbench(page: Page, timeout = 60000, installed = false): Promise<void> {
  await page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout });
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout });
  // The window title marks the Extension Development Host once the payload was accepted (an installed one: none).
  if (!installed)
    await page.waitForFunction('document.title.includes("Extension Development Host")', undefined, { timeout });
  // The extension's contributions register a moment later, when the extension host has scanned it:
  // its activity bar container is the visible sign (if the manifest declares one).
  const containers = extensionManifest().contributes?.viewsContainers?.activitybar ?? [];
  for (const container of containers)
    await activityBarItem(page, container.title).waitFor({ state: 'visible', timeout });
}

interface Manifest {
  contributes?: { viewsContainers?: { activitybar?: Array<{ id: string; title: string }> } };
}

/** The extension's package.json (read from the repository the server loads it from). */
export function extensionManifest(): Manifest {
  return JSON.parse(readFileSync(join(serverInfo().repoRoot, 'package.json'), 'utf8')) as Manifest;
}

/** The activity bar entry of the extension's view container. */
export function activityBarItem(page: Page, title = 'Netns Explorer'): Locator {
  return page.locator(`.part.activitybar .action-item .action-label[aria-label^="${title}"]`).first();
}

/** Opens the Netns Explorer side bar (if it is not open already) and waits for its first view pane. */
export async function openNetnsExplorer(page: Page): Promise<void> {
  const item = activityBarItem(page);
  await item.waitFor({ state: 'visible', timeout: 30000 });
  const checked = await item
    .locator('xpath=..')
    .getAttribute('aria-selected')
    .catch(() => null);
  const sidebarTitle = page.locator('.part.sidebar .composite.title .title-label');
  const open =
    checked === 'true' ||
    ((await sidebarTitle.textContent().catch(() => '')) ?? '').toUpperCase().includes('NETNS EXPLORER');
  if (!open) await item.click();
  await page.locator('.part.sidebar .pane-header').first().waitFor({ state: 'visible', timeout: 30000 });
}

/** Drags the sash between the side bar and the editor so the side bar is `width` pixels wide. */
export async function widenSideBar(page: Page, width: number): Promise<void> {
  const bar = await page.locator('.part.sidebar').boundingBox();
  if (!bar) return;
  const y = bar.y + bar.height / 2;
  await page.mouse.move(bar.x + bar.width - 1, y);
  await page.mouse.down();
  await page.mouse.move(bar.x + width, y, { steps: 8 });
  await page.mouse.up();
}

/** The view pane whose header title is `title` (e.g. "Namespaces"), or the whole side bar. */
export function viewPane(page: Page, title?: string): Locator {
  const sidebar = page.locator('.part.sidebar');
  if (!title) return sidebar;
  return sidebar
    .locator('.pane')
    .filter({ has: page.locator('.pane-header h3.title', { hasText: new RegExp(`^${escapeRegExp(title)}$`, 'i') }) });
}

/** Expands a collapsed view pane (clicks its header). */
export async function expandView(page: Page, title: string): Promise<void> {
  const header = viewPane(page, title).locator('.pane-header');
  if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
}

export interface TreeRow {
  /** The row's aria-label: the tree item's accessibility label, by default its label (plus description). */
  label: string;
  /** The item's label as shown (innerText, whitespace collapsed). */
  name: string;
  /**
   * The label element's textContent, untouched: the label character for character, newlines and all,
   * even where CSS cuts a long one short with an ellipsis (that only hides the rest).
   */
  rawName: string;
  /** The item's description (the dimmed text after the label), '' when none. */
  description: string;
  /** name and description, space separated. */
  text: string;
  /** 1-based depth in the tree. */
  level: number;
  /** Position in the list as it is now (rows come sorted by it). */
  index: number;
  /** true/false for collapsible rows, undefined for leaves. */
  expanded: boolean | undefined;
}

/**
 * The rendered rows of the side bar's trees (or of one view pane, in list order). Only rows that are
 * rendered are returned: the list is virtualised, so scroll or filter for long trees.
 * Pass `minRows` to wait until at least that many rows are there (the tree fills in asynchronously).
 */
export async function treeRows(page: Page, view?: string, { minRows = 1, timeout = 30000 } = {}): Promise<TreeRow[]> {
  const rows = viewPane(page, view).locator('.monaco-list-row');
  if (minRows > 0) await rows.nth(minRows - 1).waitFor({ state: 'attached', timeout });
  // One read in the page: the list re-renders while the tree fills in or a filter applies, and row
  // by row reads from Node could see it half-way (or wait for a row that has gone).
  const rendered = await rows.evaluateAll((elements) =>
    elements.map((row) => {
      const text = (el: Element | null) => ((el as HTMLElement | null)?.innerText ?? '').replace(/\s+/g, ' ').trim();
      const labelName = row.querySelector('.label-name');
      const name = text(labelName);
      const description = text(row.querySelector('.label-description'));
      const expanded = row.getAttribute('aria-expanded');
      return {
        label: row.getAttribute('aria-label') ?? '',
        name,
        rawName: labelName?.textContent ?? '',
        description,
        text: [name, description].filter(Boolean).join(' ') || text(row),
        level: Number(row.getAttribute('aria-level')) || 1,
        index: Number(row.getAttribute('data-index')),
        expanded: expanded === null ? undefined : expanded === 'true',
      };
    }),
  );
  return view ? rendered.sort((a, b) => a.index - b.index) : rendered; // indexes are per list
}

/** The list of a view's tree (the view pane's `.monaco-list`). */
function viewList(page: Page, view: string): Locator {
  return viewPane(page, view).locator('.monaco-list').first();
}

/**
 * The list indexes of the rows now rendered (data-index: the list recycles row elements, so DOM order
 * means nothing). Sticky-scroll copies of parent rows, pinned at the top, do not count.
 */
async function renderedRange(list: Locator): Promise<{ first: number; last: number }> {
  return list.locator('.monaco-list-rows > .monaco-list-row').evaluateAll((rows) => {
    const ix = rows.map((r) => Number(r.getAttribute('data-index'))).filter((n) => Number.isInteger(n));
    return ix.length ? { first: Math.min(...ix), last: Math.max(...ix) } : { first: 0, last: -1 };
  });
}

/**
 * Turns the mouse wheel over a list by `notches` (negative: up). VS Code scrolls one notch (about
 * 50 px) per wheel event, whatever the event's delta, so a long way takes many events.
 */
async function wheelList(page: Page, list: Locator, notches: number): Promise<void> {
  const box = await list.boundingBox();
  if (!box) return;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  for (let i = 0; i < Math.abs(notches); i++) await page.mouse.wheel(0, Math.sign(notches) * 120);
}

/** Scrolls a view's list to its first row. */
export async function scrollListToTop(page: Page, view: string): Promise<void> {
  const list = viewList(page, view);
  for (let i = 0; i < 200 && (await renderedRange(list)).first > 0; i++) {
    await wheelList(page, list, -25);
    await page.waitForTimeout(50);
  }
}

/** Scrolls a list down by about its height less two rows; false when it was at its end already. */
async function pageDown(page: Page, list: Locator): Promise<boolean> {
  const start = await renderedRange(list);
  const want = start.first + Math.max(1, start.last - start.first - 2);
  let now = start;
  for (let still = 0; now.first < want && still < 4;) {
    await wheelList(page, list, 1);
    await page.waitForTimeout(30);
    const next = await renderedRange(list);
    still = next.first === now.first ? still + 1 : 0;
    now = next;
  }
  return now.first > start.first;
}

/**
 * Every row of a view's tree, scrolling through the virtualised list from the top a pane-full at a
 * time until it ends, then back to the top.
 */
export async function allTreeRows(page: Page, view: string): Promise<TreeRow[]> {
  const seen = new Map<string, TreeRow>();
  const list = viewList(page, view);
  if (!(await list.boundingBox())) return treeRows(page, view);
  await scrollListToTop(page, view);
  for (let i = 0; i < 1000; i++) {
    for (const r of await treeRows(page, view)) seen.set(`${r.level}:${r.text}`, r);
    if (!(await pageDown(page, list))) break;
  }
  await scrollListToTop(page, view);
  await moveToEditorArea(page); // leave no tooltip open behind
  return [...seen.values()];
}

/**
 * Scrolls a view's virtualised list from the top until a row matching `label` is rendered wholly
 * inside the list (a row cut at the edge would be scrolled by the browser, behind the list's back,
 * when hovered or clicked), and returns it.
 */
export async function scrollToRow(page: Page, label: string | RegExp, view: string, timeout = 30000): Promise<Locator> {
  const row = treeRow(page, label, view);
  const list = viewList(page, view);
  await list.waitFor({ state: 'visible', timeout });
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    await scrollListToTop(page, view);
    do {
      if (await row.isVisible()) {
        for (let i = 0; i < 6; i++) {
          const [r, l] = [await row.boundingBox(), await list.boundingBox()];
          if (!r || !l) break;
          if (r.y >= l.y && r.y + r.height <= l.y + l.height) {
            await moveToEditorArea(page);
            return row;
          }
          await wheelList(page, list, r.y < l.y ? -1 : 1);
          await page.waitForTimeout(50);
        }
      }
    } while (Date.now() < deadline && (await pageDown(page, list)));
    await page.waitForTimeout(500); // the tree may still be filling in
  }
  await row.waitFor({ state: 'visible', timeout: 1000 });
  return row;
}

/** Parks the mouse over the empty editor area, where nothing shows a hover. */
export async function moveToEditorArea(page: Page): Promise<void> {
  const size = page.viewportSize() ?? { width: 1280, height: 800 };
  await page.mouse.move(size.width - 60, Math.round(size.height / 2));
}

/** The first rendered tree row whose visible text (label and description) matches `label` (substring or RegExp). */
export function treeRow(page: Page, label: string | RegExp, view?: string): Locator {
  return viewPane(page, view).locator('.monaco-list-row').filter({ hasText: label }).first();
}

/**
 * Runs a tree item's context-menu entry and waits for what it opens. The menu ignores a click that lands
 * while it is still settling, so the entry is hovered first, and Enter (on the focused entry) is the fallback.
 */
export async function treeContextMenu(
  page: Page,
  view: string,
  row: string | RegExp,
  entry: string,
  opens: Locator,
): Promise<void> {
  await treeRow(page, row, view).click({ button: 'right' });
  const item = page.locator('.context-view .action-menu-item', { hasText: entry }).first();
  await item.waitFor({ state: 'visible', timeout: 15_000 });
  await item.hover();
  await page.waitForTimeout(300);
  await item.click();
  if (
    await opens.waitFor({ timeout: 5_000 }).then(
      () => true,
      () => false,
    )
  )
    return;
  if (await item.isVisible()) await page.keyboard.press('Enter');
  await opens.waitFor({ timeout: 30_000 });
}

/** Clicks the row's twistie when it is collapsed. */
export async function expandRow(page: Page, label: string | RegExp, view?: string): Promise<void> {
  const row = treeRow(page, label, view);
  if ((await row.getAttribute('aria-expanded')) === 'false') await row.click();
}

/** Hovers the row and returns the tooltip's text once the hover widget shows (tooltips resolve lazily). */
export async function hoverRow(page: Page, label: string | RegExp, view?: string): Promise<string> {
  const row = treeRow(page, label, view);
  await row.waitFor({ state: 'visible', timeout: 30000 });
  await moveToEditorArea(page); // a hover that is already open would otherwise stay
  // Wait until an earlier tooltip has gone, so the one read below belongs to this row.
  await page
    .waitForFunction(
      `![...document.querySelectorAll('.monaco-hover, .workbench-hover')].some((h) => h.offsetParent !== null)`,
      undefined,
      { timeout: 5000 },
    )
    .catch(() => undefined);
  const hover = page.locator('.monaco-hover:visible, .workbench-hover:visible').last();
  // A refresh that redraws the row closes its hover, and a resting pointer does not bring it back (right after a
  // change, rule events read the namespace again): hover afresh a few times.
  for (let attempt = 1; ; attempt++) {
    await row.hover();
    const shown = await hover.waitFor({ state: 'visible', timeout: 5000 }).then(
      () => true,
      () => false,
    );
    if (shown) break;
    if (attempt === 3) throw new Error(`no hover appeared on ${String(label)} after ${attempt} tries`);
    await moveToEditorArea(page);
  }
  // A lazily resolved tooltip first shows "Loading..."; wait for the real content.
  await page.waitForFunction(
    `(() => { const h = [...document.querySelectorAll('.monaco-hover, .workbench-hover')].pop(); return h && h.innerText.trim() !== '' && !/^Loading\\.\\.\\.$/.test(h.innerText.trim()); })()`,
    undefined,
    { timeout: 15000 },
  );
  return (await hover.innerText()).trim();
}

/**
 * Narrows the Namespaces view with Netns Explorer: Filter… (no interface hidden, search `search`):
 * the way a user finds a few namespaces on a host with hundreds.
 */
export async function filterNamespaces(page: Page, search: string): Promise<void> {
  await runCommand(page, 'Netns Explorer: Filter…');
  await page
    .locator('.quick-input-widget .quick-input-title', { hasText: 'Netns Explorer: filter' })
    .waitFor({ state: 'visible', timeout: 15000 });
  const input = page.locator('.quick-input-widget input.input');
  await input.fill(search);
  await input.press('Enter');
}

/** Runs a command by its palette title, e.g. "Netns Explorer: Refresh". */
export async function runCommand(page: Page, title: string): Promise<void> {
  await openCommandPalette(page, title);
  const item = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: title }).first();
  await item.waitFor({ state: 'visible', timeout: 15000 });
  await item.click();
}

/**
 * Opens the command palette with `query` typed in and returns the rows' labels (aria-labels such as
 * "Netns Explorer: Refresh"). Retries for up to `timeout` ms until some row contains `query`, since
 * commands register shortly after the window renders. Closes the palette again.
 */
export async function commandPaletteItems(page: Page, query: string, timeout = 20000): Promise<string[]> {
  const deadline = Date.now() + timeout;
  const rows = page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
  for (;;) {
    await openCommandPalette(page, query);
    await rows
      .first()
      .waitFor({ state: 'visible', timeout: 15000 })
      .catch(() => undefined);
    const labels: string[] = [];
    for (const row of await rows.all()) labels.push((await row.getAttribute('aria-label')) ?? '');
    await page.keyboard.press('Escape');
    if (labels.some((l) => l.toLowerCase().includes(query.toLowerCase())) || Date.now() > deadline) return labels;
    await page.waitForTimeout(1000);
  }
}

async function openCommandPalette(page: Page, query: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible', timeout: 15000 });
  await input.fill(`>${query}`);
}

/**
 * The topology page's status line once a picture with namespaces was drawn (its first drawing is laid
 * out before the status is written). Not "laid out in …": a refresh right after replaces that text.
 */
export const PICTURE_DRAWN = /\b[1-9]\d* namespaces?\b/;

/** The webview's inner document (webviews live in iframe.webview, then iframe#active-frame). */
export function webviewFrame(page: Page) {
  return page.frameLocator('iframe.webview').frameLocator('iframe#active-frame');
}

/**
 * Saves out/screenshots/<name>.png and returns the path. Tests never write tracked files: `npm run docs:refresh`
 * copies the README's pictures into test/e2e/screenshots/ on purpose.
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = join(serverInfo().repoRoot, 'out', 'screenshots');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** VS Code's built-in themes and the class each gives a webview's body. */
export const THEMES = {
  dark: { name: 'Default Dark Modern', bodyClass: 'vscode-dark' },
  light: { name: 'Default Light Modern', bodyClass: 'vscode-light' },
  highContrast: { name: 'Default High Contrast', bodyClass: 'vscode-high-contrast' },
} as const;

/**
 * Switches the colour theme through the workspace's settings file (`settings` are its other entries) and waits until
 * the webview's body says so, and the page had a moment to restyle.
 */
export async function useTheme(
  page: Page,
  settingsFile: string,
  settings: Record<string, unknown>,
  theme: keyof typeof THEMES,
): Promise<void> {
  const t = THEMES[theme];
  writeFileSync(settingsFile, JSON.stringify({ ...settings, 'workbench.colorTheme': t.name }));
  await webviewFrame(page).locator(`body.${t.bodyClass}`).waitFor({ state: 'attached', timeout: 30_000 });
  await page.waitForTimeout(500);
}
