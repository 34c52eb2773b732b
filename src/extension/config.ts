// Reads the extension's settings (`netnsExplorer.*`) with their documented defaults.
import * as vscode from 'vscode';
import { DEFAULT_LIMITS, type CaptureLimits } from '../core/capture/session';
import type { PrivilegeSetting } from '../host/privilege';
import { SETTING } from './ids';

export interface Settings {
  privilege: PrivilegeSetting;
  autoRefresh: boolean;
  pollIntervalSeconds: number;
  dockerNetnsDirs: string[];
  commandTimeoutMs: number;
  concurrency: number;
  rulesPageSize: number;
  /** Docker's (or Podman's) API socket for container names; '' means DOCKER_HOST, else Docker's default. */
  dockerHost: string;
  /** Where every capture stops at the latest (the first limit reached). */
  captureLimits: CaptureLimits;
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration(SETTING.section);
  return {
    privilege: c.get<PrivilegeSetting>('privilege', 'auto'),
    autoRefresh: c.get<boolean>('autoRefresh', true),
    pollIntervalSeconds: Math.max(0, c.get<number>('pollIntervalSeconds', 60)),
    dockerNetnsDirs: c.get<string[]>('dockerNetnsDirs', ['/var/run/docker/netns']),
    commandTimeoutMs: Math.max(500, c.get<number>('commandTimeoutMs', 15000)),
    concurrency: Math.min(64, Math.max(1, c.get<number>('concurrency', 8))),
    rulesPageSize: Math.min(5000, Math.max(50, c.get<number>('rulesPageSize', 500))),
    dockerHost: c.get<string>('docker.host', ''),
    captureLimits: {
      packets: Math.max(1, Math.floor(c.get<number>('capture.maxPackets', DEFAULT_LIMITS.packets))),
      bytes: Math.max(1, c.get<number>('capture.maxMegabytes', DEFAULT_LIMITS.bytes / 2 ** 20)) * 2 ** 20,
      seconds: Math.max(1, c.get<number>('capture.maxSeconds', DEFAULT_LIMITS.seconds)),
    },
  };
}
