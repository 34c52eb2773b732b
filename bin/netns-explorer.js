#!/usr/bin/env node
// The `netns-explorer` command: runs the bundled CLI (built by `npm run build`).
require('../dist/cli.js');
