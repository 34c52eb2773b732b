// The apply path refuses to plan on a dump it cannot fully read: a skipped line is a rule it would not see.
import { strict as assert } from 'node:assert';
import type { DiscoveredNamespace } from '../../src/core/model';
import { MappingError, readRules } from '../../src/host/portMapping/apply';
import type { CommandResult, Runner } from '../../src/host/runner';

function fakeSave(stdout: string): Runner {
  return {
    run: async (argv): Promise<CommandResult> => ({
      argv: [...argv],
      stdout,
      stderr: '',
      exitCode: 0,
      failure: null,
      durationMs: 0,
    }),
  };
}

const ns: DiscoveredNamespace = {
  id: '1',
  dev: 4,
  ino: 1,
  kind: 'named',
  name: 'n1',
  paths: ['/run/netns/n1'],
  processes: [],
};

describe('readRules before any change', () => {
  it('reads a clean dump', async () => {
    const { dump } = await readRules(
      { runner: fakeSave('*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j ACCEPT\nCOMMIT\n'), namespace: ns },
      'ipv4',
    );
    assert.equal(dump.tables[0]?.chains[0]?.rules.length, 1);
  });

  it('refuses, naming the line, when the parser had to skip one', async () => {
    const text =
      '*filter\n:NETNS-EXPLORER-FWD - [0:0]\n-A NETNS-EXPLORER-FWD -m comment --comment "netns-explorer: x" -j ACCEPT\n-A NETNS-EXPLORER-FWD ??? unreadable\nCOMMIT\n';
    await assert.rejects(
      readRules({ runner: fakeSave(text), namespace: ns }, 'ipv4'),
      (e: unknown) => e instanceof MappingError && /line 4/.test(e.message) && /no rule was changed/.test(e.message),
    );
  });
});
