// The one way the extension shows notifications: untrusted text (names, tool output) never becomes a link.
import * as vscode from 'vscode';
import { plainNotice } from '../core/markdown';

type Rest<T> = Array<vscode.MessageOptions | T>;

export function showInfo<T extends string>(message: string, ...rest: Rest<T>): Thenable<T | undefined> {
  return vscode.window.showInformationMessage(plainNotice(message), ...(rest as [never]));
}

export function showWarning<T extends string>(message: string, ...rest: Rest<T>): Thenable<T | undefined> {
  return vscode.window.showWarningMessage(plainNotice(message), ...(rest as [never]));
}

export function showError<T extends string>(message: string, ...rest: Rest<T>): Thenable<T | undefined> {
  return vscode.window.showErrorMessage(plainNotice(message), ...(rest as [never]));
}
