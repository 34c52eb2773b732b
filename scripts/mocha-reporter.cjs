// Mocha reporter: the spec reporter's output, plus the run's counts written to $NX_STATS_FILE.
const Mocha = require('mocha');
const { writeFileSync } = require('node:fs');

class SpecWithStats extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once('end', () => {
      const file = process.env.NX_STATS_FILE;
      if (file) {
        const { passes, failures, pending } = this.stats;
        writeFileSync(file, JSON.stringify({ passed: passes, failed: failures, skipped: pending }));
      }
    });
  }
}
module.exports = SpecWithStats;
