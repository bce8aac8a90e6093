// Summarises one suite run: node count-results.mjs <suite.log> <stdout file>
// suite.log is the mocha root suite the interop reporter writes (suiteLog=...): each test's
// state is passed / failed / (pending|skipped) / none (never ran: its before-hook failed).
// The stdout marks (✓ / ❌, one line per passing test or failing test-or-hook) are counted too.
import fs from 'node:fs';
const [logPath, outPath] = process.argv.slice(2);
const c = {passed: 0, failed: 0, pending: 0, notRun: 0};
const hookFailures = [];
// the interop reporter's log lists a test under its own suite and again under an ancestor
// (matrix bookkeeping): count each _testId once
const seen = new Set();
function walk(s) {
  for(const t of s.tests || []) {
    const key = t._testId || `${t.file}|${t.title}|${t.state}`;
    if(seen.has(key)) continue;
    seen.add(key);
    if(t.pending || t.state === 'pending') c.pending++;
    else if(t.state === 'passed') c.passed++;
    else if(t.state === 'failed') c.failed++;
    else c.notRun++;
  }
  for(const h of [...(s._beforeAll || []), ...(s._beforeEach || []),
    ...(s._afterAll || []), ...(s._afterEach || [])]) {
    if(h.state === 'failed') hookFailures.push(`${s.title}: ${h.title}`);
  }
  for(const child of s.suites || []) walk(child);
}
let fromLog = false;
try {
  const stat = fs.statSync(logPath);
  walk(JSON.parse(fs.readFileSync(logPath, 'utf8')));
  fromLog = stat.size > 0;
} catch(e) {
  console.log(`(no usable suite log at ${logPath}: ${e.code || e.message})`);
}
let marksPass = 0, marksFail = 0;
try {
  for(const line of fs.readFileSync(outPath, 'utf8').split('\n')) {
    if(/^\s*✓ /.test(line)) marksPass++;
    else if(/^\s*❌ /.test(line)) marksFail++;
  }
} catch {}
console.log('==== summary ====');
if(fromLog) {
  console.log(`passed: ${c.passed}  failed: ${c.failed}  skipped: ${c.pending}  not run (hook failed): ${c.notRun}  total: ${c.passed + c.failed + c.pending + c.notRun}`);
  if(hookFailures.length) console.log(`failed hooks: ${hookFailures.length}\n  ` + hookFailures.slice(0, 20).join('\n  '));
}
console.log(`reporter marks: ${marksPass} passing, ${marksFail} failing (failing includes failed hooks)`);
