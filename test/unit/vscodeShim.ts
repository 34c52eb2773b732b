// The VS Code API classes the tree items build, for unit tests in plain Node (esbuild aliases `vscode` here for
// test/unit). MarkdownString follows VS Code's own: appendText escapes Markdown syntax and keeps line breaks;
// appendMarkdown is raw; appendCodeblock fences. So a tooltip rendered here renders as it does in the workbench.
export enum TreeItemCollapsibleState {
  None = 0,
  Collapsed = 1,
  Expanded = 2,
}
export class TreeItem {
  id?: string;
  description?: string;
  iconPath?: unknown;
  contextValue?: string;
  tooltip?: unknown;
  command?: unknown;
  constructor(
    public label: string,
    public collapsibleState: TreeItemCollapsibleState = TreeItemCollapsibleState.None,
  ) {}
}
export class ThemeColor {
  constructor(public id: string) {}
}
export class ThemeIcon {
  constructor(
    public id: string,
    public color?: ThemeColor,
  ) {}
}
export class MarkdownString {
  isTrusted = false;
  supportHtml = false;
  supportThemeIcons = false;
  constructor(
    public value = '',
    supportThemeIcons = false,
  ) {
    this.supportThemeIcons = supportThemeIcons;
  }
  appendText(text: string): this {
    // As vscode's MarkdownString.appendText: escape the syntax tokens, keep runs of spaces, a line break is a break.
    this.value += text
      .replace(/[\\`*_{}[\]()#+\-!~|]/g, '\\$&')
      .replace(/([ \t]+)/g, (_m, g: string) => '&nbsp;'.repeat(g.length))
      .replace(/>/gm, '\\>')
      .replace(/\n/g, '\n\n');
    return this;
  }
  appendMarkdown(text: string): this {
    this.value += text;
    return this;
  }
  appendCodeblock(code: string, language = ''): this {
    this.value += `\n\`\`\`${language}\n${code}\n\`\`\`\n`;
    return this;
  }
}
