// Browser globals and untyped layout extensions the topology page uses.
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />

declare module 'cytoscape-fcose' {
  import type { Ext } from 'cytoscape';
  const fcose: Ext;
  export default fcose;
}

declare module 'elkjs/lib/elk-api.js' {
  import type { ELKConstructorArguments } from 'elkjs/lib/elk-api';
  const ELK: new (args?: ELKConstructorArguments) => unknown;
  export default ELK;
}

interface VsCodeWebviewApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeWebviewApi;
