// Reads Jest's --json results and prints the one line CI reads: "N passed, N failed".
// A failed lint counts as one failure; a missing results file (Jest crashed) counts as one failure.
const fs = require('node:fs');

const [resultsPath, lintStatus] = process.argv.slice(2);
let passed = 0;
let failed = 0;
try {
  const results = JSON.parse(fs.readFileSync(resultsPath, 'utf8'));
  passed = results.numPassedTests;
  failed = results.numFailedTests;
  // Suites that failed to run (syntax errors, crashes) have no test results: count each as one failure.
  failed += results.testResults.filter(
    (suite) => suite.status === 'failed' && suite.assertionResults.length === 0,
  ).length;
} catch (err) {
  console.error(`cannot read jest results from ${resultsPath}: ${err.message}`);
  failed += 1;
}
if (lintStatus && lintStatus !== '0') {
  console.error('lint failed');
  failed += 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
