// The "Netns Explorer" output channel: commands run and how they ended. Never the environment.
import * as vscode from 'vscode';
import type { CommandResult } from '../host/runner';
import { formatArgv } from '../host/runner';

export class Log implements vscode.Disposable {
  readonly channel = vscode.window.createOutputChannel('Netns Explorer', { log: true });

  command(result: CommandResult): void {
    const how = result.failure ? `${result.failure.reason}: ${result.failure.message}` : 'ok';
    const line = `${formatArgv(result.argv)} (${Math.round(result.durationMs)} ms) ${how}`;
    if (result.failure) this.channel.warn(line);
    else this.channel.debug(line);
  }

  info(message: string): void {
    this.channel.info(message);
  }

  error(message: string): void {
    this.channel.error(message);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
