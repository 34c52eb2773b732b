// Proves the extension-host harness: this runs inside a real VS Code 1.100 with the extension under development loaded.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const extensionId = 'netns-explorer.netns-explorer'; // publisher.name from package.json

describe('extension host smoke', () => {
  it('runs inside VS Code 1.100', () => {
    assert.match(vscode.version, /^1\.100\./);
  });

  it('finds the extension under development and activates it', async () => {
    const extension = vscode.extensions.getExtension(extensionId);
    assert.ok(
      extension,
      `${extensionId} is not loaded; loaded: ${vscode.extensions.all
        .map((e) => e.id)
        .filter((id) => !id.startsWith('vscode.'))
        .join(', ')}`,
    );
    assert.equal(extension.packageJSON.name, 'netns-explorer');
    await extension.activate();
    assert.equal(extension.isActive, true);
  });
});
