// Watches a workbench page for what hostile text would cause if it became markup: CSP violations, dialogs, alert()
// calls, in every frame.
import type { Frame, Page } from 'playwright-core';

interface ProbeWindow {
  __nxProbe?: { violations: string[]; alerts: string[]; flush(): void };
}

/**
 * Runs in every document of every frame as it is created (Playwright init script; keep it
 * self-contained, it is sent as source). VS Code writes a webview's page into its frame with
 * document.open(), which erases the event listeners added before it: a `securitypolicyviolation`
 * listener installed here would miss the page's own violations. A ReportingObserver belongs to the
 * window and survives that, and so does the alert() wrapper.
 */
function installProbe(): void {
  const w = window as unknown as ProbeWindow;
  if (w.__nxProbe) return;
  const violations: string[] = [];
  const record = (reports: Report[]) => {
    for (const r of reports) {
      const body = (r.body ?? {}) as { effectiveDirective?: string; blockedURL?: string; sample?: string };
      violations.push(`${body.effectiveDirective ?? r.type} ${body.blockedURL ?? ''} ${body.sample ?? ''}`.trim());
    }
  };
  let observer: ReportingObserver | null = null;
  // Reports reach the callback in a later task; flush() takes the queued ones at once.
  const probe = {
    violations,
    alerts: [] as string[],
    flush: () => {
      if (observer) record(observer.takeRecords());
    },
  };
  w.__nxProbe = probe;
  try {
    observer = new ReportingObserver(record, { types: ['csp-violation'], buffered: true });
    observer.observe();
  } catch (e) {
    probe.violations.push(`no ReportingObserver in this frame: ${String(e)}`);
  }
  for (const name of ['alert', 'confirm', 'prompt'] as const) {
    const original = window[name] as (...args: unknown[]) => unknown;
    (window as unknown as Record<string, unknown>)[name] = function (this: unknown, ...args: unknown[]) {
      probe.alerts.push(`${name}(${args.map(String).join(', ')})`);
      return original.apply(this, args);
    };
  }
}

export interface FrameReport {
  url: string;
  /** CSP violation reports of that frame: directive, blocked URL, sample. */
  violations: string[];
  /** alert(), confirm() and prompt() calls made in that frame. */
  alerts: string[];
}

export interface SecurityWatch {
  /** Console messages of any frame that mention the Content Security Policy (Chromium logs every refusal). */
  cspConsole: string[];
  /**
   * Console notes that an alert(), confirm() or prompt() was ignored: webview frames are sandboxed without
   * allow-modals, so no dialog would show.
   */
  ignoredDialogs: string[];
  /** Dialogs that opened in the page or any frame (each is dismissed at once). */
  dialogs: string[];
  /** What the in-frame probe recorded, for every frame it could be read from. */
  frameReports(): Promise<FrameReport[]>;
}

async function readProbe(frame: Frame): Promise<FrameReport | null> {
  const read = await frame
    .evaluate(() => {
      const probe = (window as unknown as ProbeWindow).__nxProbe;
      if (!probe) return null;
      probe.flush();
      return { violations: [...probe.violations], alerts: [...probe.alerts] };
    })
    .catch(() => null); // a frame that went away meanwhile
  return read && { url: frame.url(), ...read };
}

/**
 * Starts watching; call before the page loads (LaunchOptions.beforeLoad), so the probe runs in every frame from the
 * first.
 */
export async function watchSecurity(page: Page): Promise<SecurityWatch> {
  const watch: SecurityWatch = {
    cspConsole: [],
    ignoredDialogs: [],
    dialogs: [],
    frameReports: async () =>
      (await Promise.all(page.frames().map(readProbe))).filter((r): r is FrameReport => r !== null),
  };
  await page.context().addInitScript(installProbe);
  page.on('console', (m) => {
    const text = m.text();
    if (/Content Security Policy/i.test(text)) watch.cspConsole.push(text);
    if (/Ignored call to '(alert|confirm|prompt)\(\)'/.test(text)) watch.ignoredDialogs.push(text);
  });
  page.on('dialog', (d) => {
    watch.dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss().catch(() => undefined);
  });
  return watch;
}

export interface Findings {
  violations: string[];
  alerts: string[];
  cspConsole: string[];
  ignoredDialogs: string[];
  dialogs: string[];
}

/**
 * Everything the watch saw so far, by kind, each entry naming its frame: all empty when nothing was refused and nothing
 * tried to run.
 */
export async function findings(watch: SecurityWatch): Promise<Findings> {
  const reports = await watch.frameReports();
  return {
    violations: reports.flatMap((r) => r.violations.map((v) => `${r.url}: ${v}`)),
    alerts: reports.flatMap((r) => r.alerts.map((a) => `${r.url}: ${a}`)),
    cspConsole: [...watch.cspConsole],
    ignoredDialogs: [...watch.ignoredDialogs],
    dialogs: [...watch.dialogs],
  };
}

export const NOTHING_FOUND: Findings = { violations: [], alerts: [], cspConsole: [], ignoredDialogs: [], dialogs: [] };
