// Every id the extension shares with package.json: views, commands, context keys and settings, each written once.
// test/unit/ids.test.ts checks this table against the manifest.

export const VIEW = {
  namespaces: 'netnsExplorer.namespaces',
  bridges: 'netnsExplorer.bridges',
  veths: 'netnsExplorer.veths',
  nat: 'netnsExplorer.nat',
  trace: 'netnsExplorer.trace',
  connections: 'netnsExplorer.connections',
} as const;

/** The views built from the snapshot (the Trace view shows a trace result instead). */
export type SnapshotViewName = Exclude<keyof typeof VIEW, 'trace' | 'connections'>;

export const COMMAND = {
  refresh: 'netnsExplorer.refresh',
  grantAccess: 'netnsExplorer.grantAccess',
  filter: 'netnsExplorer.filter',
  clearFilter: 'netnsExplorer.clearFilter',
  copyName: 'netnsExplorer.copyName',
  copyAddress: 'netnsExplorer.copyAddress',
  copyRule: 'netnsExplorer.copyRule',
  goToPeer: 'netnsExplorer.goToPeer',
  openNatRules: 'netnsExplorer.openNatRules',
  showTopology: 'netnsExplorer.showTopology',
  exportTopology: 'netnsExplorer.exportTopology',
  showReachability: 'netnsExplorer.showReachability',
  showOutput: 'netnsExplorer.showOutput',
  createPortMapping: 'netnsExplorer.createPortMapping',
  publishPort: 'netnsExplorer.publishPort',
  deletePortMapping: 'netnsExplorer.deletePortMapping',
  cleanUpLeftovers: 'netnsExplorer.cleanUpLeftovers',
  traceConnection: 'netnsExplorer.traceConnection',
  whyNotWorking: 'netnsExplorer.whyNotWorking',
  traceWithKernel: 'netnsExplorer.traceWithKernel',
  captureTraffic: 'netnsExplorer.captureTraffic',
  capturePath: 'netnsExplorer.capturePath',
  /** Internal: run a trace request given as an argument (tests, automation); not in the palette. */
  traceRequest: 'netnsExplorer.traceRequest',
  /** Internal: a Trace view step's click reveals its rule in the NAT view. */
  revealTraceStep: 'netnsExplorer.revealTraceStep',
  /** Internal: the status bar's Undo of the last port-mapping change. */
  undoLastChange: 'netnsExplorer.undoLastChange',
} as const;

export type CommandName = keyof typeof COMMAND;

/** Commands registered by the extension but not contributed to package.json (no title, no palette entry). */
export const INTERNAL_COMMANDS: readonly CommandName[] = ['traceRequest', 'revealTraceStep', 'undoLastChange'];

/** Context keys for `when` clauses in package.json. */
export const CONTEXT = {
  unsupported: 'netnsExplorer.unsupported',
  loaded: 'netnsExplorer.loaded',
  readOnly: 'netnsExplorer.readOnly',
  /** Not root and no helper: the Namespaces view offers Grant Access…. */
  needsAccess: 'netnsExplorer.needsAccess',
  filtered: 'netnsExplorer.filtered',
  hasTrace: 'netnsExplorer.hasTrace',
} as const;

export const SETTING = {
  privilege: 'netnsExplorer.privilege',
  section: 'netnsExplorer',
} as const;

export const TOPOLOGY_VIEW_TYPE = 'netnsExplorer.topology';
export const REACH_VIEW_TYPE = 'netnsExplorer.reachability';
export const CAPTURE_VIEW_TYPE = 'netnsExplorer.capture';

/** Workspace state: mappings the user chose to keep after a leftover notice. */
export const KEPT_MAPPINGS_KEY = 'netnsExplorer.keptMappings';
