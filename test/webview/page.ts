// Serves the topology bundle alone from a temp dir on 127.0.0.1, under the page's exact CSP, and drives it with
// Playwright.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { makeNonce, topologyHtml } from '../../src/extension/topology/html';
import type { ToExtensionMessage, ToWebviewMessage } from '../../src/core/topology/protocol';

const DIST = join(__dirname, '../../../dist');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
};

export interface PageServer {
  origin: string;
  /** The layout worker's script, which the extension posts to the page after `ready`. */
  workerSource: string;
  browser: Browser;
  close(): Promise<void>;
}

/**
 * A static server for index.html, webview.js and webview.css (from `dist`: the benchmarks run from another folder), and
 * a headless Chromium.
 */
export async function startPageServer(dist = DIST): Promise<PageServer> {
  const dir = mkdtempSync(join(tmpdir(), 'nx-webview-'));
  for (const f of ['webview.js', 'webview.css']) copyFileSync(join(dist, f), join(dir, f));
  const server: Server = createServer((req, res) => {
    const name = (req.url ?? '/').split('?')[0] === '/' ? 'index.html' : (req.url ?? '').slice(1).split('?')[0]!;
    if (name === 'favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (!/^[\w.-]+$/.test(name)) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = readFileSync(join(dir, name));
      res.writeHead(200, { 'content-type': TYPES[extname(name)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The extension's own page, with the test server standing in for webview.cspSource.
  writeFileSync(
    join(dir, 'index.html'),
    topologyHtml({
      cspSource: origin,
      nonce: makeNonce(),
      scriptUri: `${origin}/webview.js`,
      styleUri: `${origin}/webview.css`,
    }),
  );
  const browser = await chromium.launch({
    executablePath: process.env.NX_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu'],
  });
  return {
    origin,
    workerSource: readFileSync(join(dist, 'elk-worker.js'), 'utf8'),
    browser,
    close: async () => {
      await browser.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Stands in for VS Code: acquireVsCodeApi records what the page posts, and when (for the benchmarks); alerts and CSP
 * violations are recorded too.
 */
const INIT = `
  window.__posted = []; window.__postedAt = []; window.__violations = []; window.__alerts = []; window.__workers = 0;
  const PageWorker = window.Worker;
  window.Worker = class extends PageWorker { constructor(...a) { super(...a); window.__workers++; } };
  window.acquireVsCodeApi = () => ({ postMessage: (m) => { window.__postedAt.push(performance.now()); window.__posted.push(JSON.parse(JSON.stringify(m))); }, getState: () => undefined, setState: () => undefined });
  window.alert = (x) => window.__alerts.push(String(x));
  document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')));
`;

export interface TopologyPage {
  page: Page;
  /** Console messages, page errors included. */
  console: string[];
  send(message: ToWebviewMessage): Promise<void>;
  posted(): Promise<ToExtensionMessage[]>;
  /** Waits for the `count`-th message of that type the page posts, and returns it. */
  waitForPosted<T extends ToExtensionMessage['type']>(
    type: T,
    count?: number,
    timeout?: number,
  ): Promise<Extract<ToExtensionMessage, { type: T }>>;
  violations(): Promise<string[]>;
  alerts(): Promise<string[]>;
}

export async function openTopologyPage(server: PageServer, size = { width: 1200, height: 800 }): Promise<TopologyPage> {
  const page = await server.browser.newPage({ viewport: size });
  const consoleLines: string[] = [];
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`pageerror: ${String(e)}`));
  await page.addInitScript(INIT);
  await page.goto(`${server.origin}/`);
  const posted = () => page.evaluate('window.__posted') as Promise<ToExtensionMessage[]>;
  const result: TopologyPage = {
    page,
    console: consoleLines,
    send: async (message) => {
      await page.evaluate((m) => window.postMessage(m, '*'), message);
    },
    posted,
    waitForPosted: async (type, count = 1, timeout = 30_000) => {
      await page.waitForFunction(
        ([t, c]) =>
          (window as unknown as { __posted: { type: string }[] }).__posted.filter((m) => m.type === t).length >=
          (c as number),
        [type, count] as const,
        { timeout },
      );
      const all = (await posted()).filter((m) => m.type === type);
      return all[count - 1] as Extract<ToExtensionMessage, { type: typeof type }>;
    },
    violations: () => page.evaluate('window.__violations') as Promise<string[]>,
    alerts: () => page.evaluate('window.__alerts') as Promise<string[]>,
  };
  await result.waitForPosted('ready');
  await result.send({ type: 'layoutWorker', source: server.workerSource });
  return result;
}

/** The page's read-only test API (window.netnsTopology). */
export function topologyApi<T>(page: Page, call: string, arg?: unknown): Promise<T> {
  return page.evaluate(
    ([c, a]) => {
      const api = (window as unknown as { netnsTopology: Record<string, (x?: unknown) => unknown> }).netnsTopology;
      return api[c as string]!(a);
    },
    [call, arg] as const,
  ) as Promise<T>;
}

export function readDist(name: string): string {
  return readFileSync(join(DIST, name), 'utf8');
}
