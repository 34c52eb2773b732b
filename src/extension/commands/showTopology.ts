// netnsExplorer.showTopology: the topology picture arrives with its own issue; until then this says so.
import * as vscode from 'vscode';

export function showTopology(): () => void {
  return () => {
    void vscode.window.showInformationMessage('Netns Explorer: the topology view is not built yet. The sidebar views show the same namespaces, bridges and veth pairs.');
  };
}
