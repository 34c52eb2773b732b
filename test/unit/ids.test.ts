// The id table (src/extension/ids.ts) and package.json agree: every contributed view and command is in the table,
// every table command is contributed or marked internal, and every context key a `when` clause reads is one we set.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  COMMAND,
  CONTEXT,
  INTERNAL_COMMANDS,
  REACH_VIEW_TYPE,
  TOPOLOGY_VIEW_TYPE,
  VIEW,
} from '../../src/extension/ids';

interface Manifest {
  contributes: {
    views: Record<string, { id: string; when?: string }[]>;
    viewsWelcome: { view: string; when?: string }[];
    commands: { command: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
  };
}
const manifest = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as Manifest;
const sorted = (items: Iterable<string>) => [...items].sort();

describe('ids.ts and package.json', () => {
  it('contributes exactly the views of the table', () => {
    const views = Object.values(manifest.contributes.views).flatMap((list) => list.map((v) => v.id));
    assert.deepEqual(sorted(views), sorted(Object.values(VIEW)));
  });

  it('contributes every command of the table except the internal ones, and no other', () => {
    const internal = new Set<string>(INTERNAL_COMMANDS.map((name) => COMMAND[name]));
    const table = Object.values(COMMAND).filter((id) => !internal.has(id));
    assert.deepEqual(sorted(manifest.contributes.commands.map((c) => c.command)), sorted(table));
    for (const menu of Object.values(manifest.contributes.menus))
      for (const item of menu) assert.ok(table.includes(item.command as never), `menu command ${item.command}`);
  });

  it('reads in when clauses only the context keys the extension sets, views of the table and the webview panels', () => {
    const clauses = [
      ...Object.values(manifest.contributes.views).flatMap((list) => list.map((v) => v.when ?? '')),
      ...manifest.contributes.viewsWelcome.map((w) => `${w.when ?? ''} ${w.view}`),
      ...Object.values(manifest.contributes.menus).flatMap((menu) => menu.map((m) => m.when ?? '')),
    ].join(' ');
    const known = new Set<string>([
      ...Object.values(CONTEXT),
      ...Object.values(VIEW),
      TOPOLOGY_VIEW_TYPE,
      REACH_VIEW_TYPE,
    ]);
    const used = new Set(clauses.match(/netnsExplorer\.[A-Za-z]+/g) ?? []);
    assert.ok(used.size > 5, 'the manifest has when clauses');
    for (const key of used) assert.ok(known.has(key), `${key} is read in a when clause but not in ids.ts`);
  });
});
