// Extension entry point. The views and commands arrive with the sidebar issue; for now it only activates.
export function activate(): void {}
export function deactivate(): void {}
