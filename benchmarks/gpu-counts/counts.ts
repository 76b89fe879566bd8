// GPU work of a webgpu relaxation, counted (not timed): dispatches, submits and bytes moved per
// descent step, readbacks per relaxation and per checkEvery window, for the relaxation graphs of the
// public benchmark (benchmarks/public/cases.ts: (a) dense memory, (b) hierarchy, (c) Energy Transformer block).
//
//   npm run bench:gpu-counts -w @hamux-ts/benchmarks [-- --models=a,b,c --check-every=10 --json=FILE]
//
// Public entry points only: `useBackend('webgpu')` and `countGpuWork` (@hamux-ts/backends), the
// graphs' builders, `descend` with `{ runtime, mode: 'fixed', … }` (@hamux-ts/dynamics). How each
// figure is obtained is in measure.ts; what each count means is in README.md. Counts do not depend
// on the GPU's speed: Dawn on Mesa's llvmpipe gives the figures a real GPU would get from the same code.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { HamuxError, tf } from '@hamux-ts/core';
import { adapterName, useBackend } from '@hamux-ts/backends';
import { machineLine } from '../machine.js';
import { RELAX } from '../public/cases.js';
import { measureCase, type CaseCounts } from './measure.js';

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const count = (name: string, fallback: number) => {
  const v = Number(arg(name, String(fallback)));
  if (!(Number.isInteger(v) && v > 0)) throw new HamuxError([`--${name}`], `expected a positive integer, got ${arg(name, '')}`, 'usage');
  return v;
};

const ids = arg('models', 'a,b,c').split(',');
const cases = ids.map((id) => {
  const rc = RELAX.find((c) => c.id === id);
  if (rc === undefined) throw new HamuxError(['--models'], `no relaxation case ${id} (cases: ${RELAX.map((c) => c.id).join(', ')})`, 'unknown_name');
  return rc;
});
const checkEvery = count('check-every', 10);

const runtime = await useBackend('webgpu');
const results: CaseCounts[] = [];
for (const rc of cases) results.push(await measureCase(rc, runtime, { checkEvery }));

const commit = (() => {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    return 'unknown';
  }
})();

// tfjs splits concat and addN into dispatches of at most this many inputs − 1: counts depend on it.
const limits = (tf.backend() as unknown as { device: { limits: { maxStorageBuffersPerShaderStage: number } } }).device.limits;

const n = (x: number, digits = 2) => (Number.isInteger(x) ? String(x) : x.toFixed(digits));
const mb = (bytes: number) => (bytes / 1e6).toFixed(2);
const S = 2 * checkEvery;

const lines: string[] = [];
lines.push('# GPU work of a webgpu relaxation, counted');
lines.push('');
lines.push(`${machineLine()}; adapter ${runtime.report.adapter ? adapterName(runtime.report.adapter) : 'unknown'} (maxStorageBuffersPerShaderStage ${limits.maxStorageBuffersPerShaderStage}); commit ${commit}`);
lines.push(`\`await descend(ham, init, { runtime, mode: 'fixed', dt, checkEvery: ${checkEvery}, tolerance 0 })\`; a step's figures are a check window's (${checkEvery} steps and their check) over ${checkEvery}. MB = 10⁶ bytes.`);
lines.push('');
lines.push(`| model | dispatches/step | submits/step | MB moved/step | readbacks per relaxation (${S} steps, checkEvery ${checkEvery}) | readbacks per checkEvery window | setup dispatches per relaxation | first-relaxation extra dispatches |`);
lines.push('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of results) {
  lines.push(`| ${r.title} | ${n(r.perStep.dispatches)} | ${n(r.perStep.submits)} | ${mb(r.perStep.bytesMoved)} | ${n(r.relaxation.readbacks)} | ${n(r.perWindow.readbacks)} | ${n(r.setup.dispatches)} | ${n(r.firstExtra.dispatches)} |`);
}
lines.push('');
lines.push(`One check window (${checkEvery} steps and their check), one relaxation besides its windows (setup), and a graph's first relaxation:`);
lines.push('');
lines.push('| model | window: dispatches | compute passes | submits | writeBuffer calls (KB) | mapped uploads (bytes) | copies (bytes) | readbacks (bytes) | MB bound to dispatches | setup: dispatches | submits | readbacks | MB moved | first relaxation: extra MB uploaded |');
lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of results) {
  const w = r.perWindow;
  const s = r.setup;
  lines.push(`| (${r.id}) | ${n(w.dispatches)} | ${n(w.computePasses)} | ${n(w.submits)} | ${n(w.writes)} (${(w.writeBytes / 1e3).toFixed(1)}) | ${n(w.mappedUploads)} (${n(w.mappedUploadBytes)}) | ${n(w.copies)} (${n(w.copyBytes)}) | ${n(w.readbacks)} (${n(w.readbackBytes)}) | ${mb(w.boundBytes)} | ${n(s.dispatches)} | ${n(s.submits)} | ${n(s.readbacks)} | ${mb(s.bytesMoved)} | ${mb(r.firstExtra.mappedUploadBytes)} |`);
}
lines.push('');
lines.push(`Evaluators: ${results.map((r) => `(${r.id}) ${r.evaluator}`).join('; ')}.`);
const drifting = results.filter((r) => (['dispatches', 'submits', 'readbacks', 'boundBytes'] as const).some((k) => r.drift[k] !== 0));
lines.push(drifting.length === 0
  ? `Steady: the next window (${3 * checkEvery} − ${S} steps) gave the same dispatches, submits, readbacks and bound bytes for every model.`
  : `NOT steady for ${drifting.map((r) => `(${r.id})`).join(', ')}: the next window's counts differ (${drifting.map((r) => JSON.stringify(r.drift)).join('; ')}).`);
const unknown = results.filter((r) => r.relaxation.unknownBindGroups > 0);
if (unknown.length > 0) lines.push(`Bound bytes are lower bounds for ${unknown.map((r) => `(${r.id})`).join(', ')}: some dispatches used bind groups made before counting began.`);
console.log(lines.join('\n'));

const json = arg('json', '');
if (json !== '') writeFileSync(json, JSON.stringify({ machine: machineLine(), adapter: runtime.report.adapter, limits: { maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage }, commit, checkEvery, results }, null, 2));
