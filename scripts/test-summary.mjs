// Adds up the vitest JSON reports of every workspace package and prints one closing line,
// "N passed, N failed, N skipped", the form CI reads. Exits non-zero if any test failed or if no
// report was found (a run that tested nothing must not look green).
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

let passed = 0, failed = 0, skipped = 0, reports = 0;
for (const group of ['packages', 'examples', 'benchmarks']) {
  if (!existsSync(group)) continue;
  const dirs = group === 'benchmarks' ? ['.'] : readdirSync(group);
  for (const dir of dirs) {
    const file = join(group, dir, '.test-results.json');
    if (!existsSync(file)) continue;
    const r = JSON.parse(readFileSync(file, 'utf8'));
    reports++;
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + r.numTodoTests;
  }
}
if (reports === 0) {
  console.error('no test reports found');
  process.exit(1);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
