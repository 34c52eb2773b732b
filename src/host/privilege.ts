// Chooses the privilege prefix: none as root, `sudo -n` when it works without a password, else read-only.
import { ExecRunner, type CommandResult, type Privilege } from './runner';

export type PrivilegeSetting = 'auto' | Privilege;

export interface PrivilegeChoice {
  privilege: Privilege;
  /** True when NAT rules and other namespaces cannot be read: the caller should say why. */
  readOnly: boolean;
  reason: string;
}

/** Whether `sudo -n` works here, i.e. root is available without a password. */
export async function sudoWithoutPassword(): Promise<boolean> {
  return (await new ExecRunner({ privilege: 'sudo', timeoutMs: 5000 }).run(['true'])).failure === null;
}

export async function resolvePrivilege(
  setting: PrivilegeSetting,
  uid = process.getuid?.() ?? -1,
): Promise<PrivilegeChoice> {
  if (setting !== 'auto') {
    return { privilege: setting, readOnly: setting === 'none' && uid !== 0, reason: `privilege set to ${setting}` };
  }
  if (uid === 0) return { privilege: 'none', readOnly: false, reason: 'running as root' };
  if (await sudoWithoutPassword())
    return { privilege: 'sudo', readOnly: false, reason: 'sudo -n works without a password' };
  return {
    privilege: 'none',
    readOnly: true,
    reason:
      'not root and sudo -n needs a password: NAT rules and other namespaces need root (run with --privilege sudo to be asked for the password once, or as root)',
  };
}

/** How callers ask for a runner: the privilege setting, the time limit, and where each command is logged. */
export interface RunnerSettings {
  privilege: PrivilegeSetting;
  timeoutMs?: number;
  onCommand?: (result: CommandResult) => void;
}

/** The one way to get a runner for a setting: privilege resolved once, the prefix and time limit applied. */
export async function runnerFor(settings: RunnerSettings): Promise<{ runner: ExecRunner; choice: PrivilegeChoice }> {
  const choice = await resolvePrivilege(settings.privilege);
  const runner = new ExecRunner({
    privilege: choice.privilege,
    timeoutMs: settings.timeoutMs,
    onCommand: settings.onCommand,
  });
  return { runner, choice };
}
