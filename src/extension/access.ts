// How this window reads and changes the host: directly as root, through the privileged helper (started with sudo -n,
// pkexec, or sudo with a password typed once into Grant Access…), or read-only. The helper is one process per window;
// if it dies the view says so and offers to start it again.
import { join } from 'node:path';
import { userInfo } from 'node:os';
import * as vscode from 'vscode';
import { DirectAccess, type HostAccess } from '../host/access';
import {
  HelperAccess,
  HelperClient,
  HelperStartError,
  helperCommand,
  type HelperElevation,
} from '../host/helper/client';
import { ExecRunner } from '../host/runner';
import { readSettings } from './config';
import { CONTEXT } from './ids';
import type { Log } from './log';
import { showError, showWarning } from './notify';

export interface AccessChoice {
  access: HostAccess;
  /** NAT rules and other namespaces cannot be read: the view says so and offers Grant Access. */
  readOnly: boolean;
  /** One line for the log and the view. */
  reason: string;
}

/**
 * The extension's own CLI bundle, run by the Node that runs this extension host (Electron's, told to act as Node), so
 * nothing depends on `node` being on root's PATH.
 */
export function cliCommand(extensionPath: string): string[] {
  const node = process.versions.electron ? ['env', 'ELECTRON_RUN_AS_NODE=1', process.execPath] : [process.execPath];
  return [...node, join(extensionPath, 'dist', 'cli.js')];
}

export class AccessManager implements vscode.Disposable {
  private choice: Promise<AccessChoice> | null = null;
  private helper: HelperClient | null = null;
  private granting: Promise<boolean> | null = null;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the way of access changes (granted, helper stopped): the store reads everything again. */
  readonly onDidChange = this.changed.event;
  /** Set when the helper stopped by itself: shown in the view until access is granted again. */
  stoppedReason: string | null = null;

  constructor(
    private readonly log: Log,
    private readonly extensionPath: string,
  ) {}

  /** The access to use now; resolved once per window (and again after reset or a stopped helper). */
  current(): Promise<AccessChoice> {
    this.choice ??= this.resolve().then(async (choice) => {
      this.log.info(`access: ${choice.access.via}${choice.readOnly ? ', read-only' : ''} (${choice.reason})`);
      await vscode.commands.executeCommand('setContext', CONTEXT.readOnly, choice.readOnly);
      await vscode.commands.executeCommand('setContext', CONTEXT.needsAccess, choice.readOnly);
      return choice;
    });
    return this.choice;
  }

  private direct(readOnly: boolean, reason: string): AccessChoice {
    const settings = readSettings();
    const runner = new ExecRunner({ timeoutMs: settings.commandTimeoutMs, onCommand: (r) => this.log.command(r) });
    return { access: new DirectAccess(runner), readOnly, reason };
  }

  private async resolve(): Promise<AccessChoice> {
    const { privilege } = readSettings();
    const root = process.getuid?.() === 0;
    if (root) return this.direct(false, 'running as root');
    if (privilege === 'none') return this.direct(true, 'privilege is set to none');
    if (this.helper?.running) return { access: new HelperAccess(this.helper), readOnly: false, reason: 'helper' };
    const elevation: HelperElevation = privilege === 'pkexec' ? { how: 'pkexec' } : { how: 'sudo-n' };
    try {
      await this.startHelper(elevation);
      return {
        access: new HelperAccess(this.helper!),
        readOnly: false,
        reason: `privileged helper started with ${elevation.how === 'pkexec' ? 'pkexec' : 'sudo -n'}`,
      };
    } catch (e) {
      const why = e instanceof HelperStartError ? e.message : String(e);
      return this.direct(
        true,
        `not root, and ${elevation.how === 'pkexec' ? 'pkexec' : 'sudo -n'} did not work (${why})`,
      );
    }
  }

  private async startHelper(elevation: HelperElevation): Promise<void> {
    const settings = readSettings();
    const client = await HelperClient.start({
      command: helperCommand(cliCommand(this.extensionPath), settings.commandTimeoutMs),
      elevation,
      startTimeoutMs: elevation.how === 'pkexec' ? 120_000 : 30_000,
      onCommand: (r) => this.log.command(r),
      onExit: (reason) => this.helperStopped(client, reason),
    });
    this.helper?.dispose();
    this.helper = client;
    this.stoppedReason = null;
    this.log.info(`privileged helper running (pid ${client.pid})`);
  }

  private helperStopped(client: HelperClient, reason: string): void {
    if (client !== this.helper) return;
    this.helper = null;
    this.stoppedReason = `the privileged helper stopped (${reason})`;
    this.log.error(this.stoppedReason);
    this.choice = Promise.resolve(this.direct(true, this.stoppedReason)).then(async (choice) => {
      await vscode.commands.executeCommand('setContext', CONTEXT.readOnly, true);
      await vscode.commands.executeCommand('setContext', CONTEXT.needsAccess, true);
      return choice;
    });
    this.changed.fire();
    void showWarning(
      `Netns Explorer: ${this.stoppedReason}. The view is read-only until it runs again.`,
      'Start Again',
    ).then((pick) => {
      if (pick) void this.grant();
    });
  }

  /**
   * Grant Access…: asks for the sudo password in a password box and starts the helper with it. A wrong password asks
   * again; Cancel keeps the read-only view. True when the helper runs.
   */
  grant(): Promise<boolean> {
    this.granting ??= this.askAndStart().finally(() => {
      this.granting = null;
    });
    return this.granting;
  }

  private async askAndStart(): Promise<boolean> {
    if (this.helper?.running || process.getuid?.() === 0) return true;
    // A password-less way may have become possible (sudoers changed): try it before asking.
    const settings = readSettings();
    const quiet: HelperElevation = settings.privilege === 'pkexec' ? { how: 'pkexec' } : { how: 'sudo-n' };
    try {
      await this.startHelper(quiet);
      this.granted();
      return true;
    } catch {
      // ask for the password below
    }
    let user = 'this user';
    try {
      user = userInfo().username;
    } catch {
      // keep the generic wording
    }
    let retry = false;
    for (;;) {
      const password = await vscode.window.showInputBox({
        title: 'Netns Explorer: Grant Access',
        prompt: `${retry ? 'Sorry, that password was not accepted. ' : ''}sudo password for ${user}: starts one privileged helper for this window. The password is passed to sudo once and never stored.`,
        password: true,
        ignoreFocusOut: true,
      });
      if (password === undefined) return false;
      try {
        await this.startHelper({ how: 'sudo-password', password });
        this.granted();
        return true;
      } catch (e) {
        if (e instanceof HelperStartError && e.kind === 'wrong-password') {
          this.log.info('Grant Access: the password was not accepted');
          retry = true;
          continue;
        }
        const message = e instanceof Error ? e.message : String(e);
        this.log.error(`Grant Access failed: ${message}`);
        void showError(`Netns Explorer could not get root: ${message}`);
        return false;
      }
    }
  }

  private granted(): void {
    this.choice = null;
    this.changed.fire();
  }

  /** The privilege setting changed: start over on the next read. */
  reset(): void {
    this.helper?.dispose();
    this.helper = null;
    this.choice = null;
  }

  dispose(): void {
    this.helper?.dispose();
    this.helper = null;
    this.changed.dispose();
  }
}
