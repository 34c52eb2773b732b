// What the runtime sources share: reading untrusted JSON defensively, and a namespace's id (inode) from a namespace
// file or a process.
import { promises as fs } from 'node:fs';
import { nsInode } from '../discovery';

export const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
export const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The inode of a namespace file (a sandbox key, a bundle's network path): the namespace's id; null if unread. */
export async function inodeOf(path: string): Promise<string | null> {
  try {
    return String((await fs.stat(path)).ino);
  } catch {
    return null;
  }
}

/** The network namespace id of a process, from /proc/<pid>/ns/net; null when gone or unreadable. */
export async function netnsOfPid(pid: number, procDir = '/proc'): Promise<string | null> {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    return nsInode(await fs.readlink(`${procDir}/${pid}/ns/net`));
  } catch {
    return null;
  }
}
