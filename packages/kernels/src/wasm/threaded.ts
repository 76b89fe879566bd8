import { checkGemmArgs, jsSgemm, jsSoftmax, SMALL_GEMM, type Gemm, type Sgemm } from '../gemm.js';
import { decodeBase64, heapReserver, stageOperands, type SgemmExports } from './gemm.js';
import { GEMM_WASM_SHARED_BASE64 } from './gemm-wasm.js';

/**
 * The WebAssembly SIMD kernel on two threads (Node only): the main thread and one worker run the
 * same module on one shared memory, each with its own stack and packing space. A large product is
 * split in two, by batch entries, else by columns, else by rows; the main thread does its half
 * and waits (Atomics.wait) for the worker's. Products below `THREADED` multiply-adds stay on one
 * thread, where waking the worker would cost more than it saves.
 */
const THREADED = 1 << 21;
/** How long the main thread waits for the worker before notifying it again (see `join`). */
const RENOTIFY_MS = 2;

export interface ThreadedGemmOptions {
  /** How long `join` waits before notifying the worker again, in ms (default 2). */
  renotifyMs?: number;
  /**
   * Fault injection for tests: after every product, notify the (finished, idle) worker once more,
   * as a timed re-notify that lands just after the worker's last store does. The protocol must
   * shrug it off; the worker once re-ran its old job then, writing into the next product's operands.
   */
  wakeIdleWorker?: boolean;
}

interface SharedExports extends SgemmExports {
  __stack_pointer: WebAssembly.Global;
}

// Control block (Int32 slots): 0 job sequence number (main → worker), 1 done sequence number
// (worker → main), 2… the job; floats alpha, beta in Float32 slots 24, 25.
const JOB = 2, ALPHA = 24, BETA = 25, CTRL_BYTES = 128;

const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const { module, memory, ctrlOff, stackTop, work } = workerData;
const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
ex.__stack_pointer.value = stackTop;
const ctrl = new Int32Array(memory.buffer, ctrlOff, ${CTRL_BYTES / 4});
const f = new Float32Array(memory.buffer, ctrlOff, ${CTRL_BYTES / 4});
parentPort.postMessage('ready');
let seq = 0;
for (;;) {
  // Sleep until a new job is posted. A wake-up with the sequence number unchanged (the main
  // thread's timed re-notify reaching a worker that has already finished) is not a job: running
  // the old one again would write into a heap the main thread is already reusing.
  while (Atomics.load(ctrl, 0) === seq) Atomics.wait(ctrl, 0, seq);
  seq = Atomics.load(ctrl, 0);
  const [tA, tB, M, N, K, A, lda, B, ldb, C, ldc, count, sA, sB, sC, quit] = ctrl.subarray(${JOB}, ${JOB} + 16);
  if (quit) break;
  for (let t = 0; t < count; t++) ex.sgemm(tA, tB, M, N, K, f[${ALPHA}], A + 4 * t * sA, lda, B + 4 * t * sB, ldb, f[${BETA}], C + 4 * t * sC, ldc, work);
  Atomics.store(ctrl, 1, seq);
  Atomics.notify(ctrl, 1);
}
`;

/** Two-thread wasm gemm, or why not (not Node, no shared memory, the worker does not start). */
export async function loadThreadedWasmGemm(options: ThreadedGemmOptions = {}): Promise<(Gemm & { close(): Promise<void> }) | string> {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (typeof proc?.versions?.node !== 'string') return 'two threads only under Node';
  if (typeof SharedArrayBuffer === 'undefined') return 'no SharedArrayBuffer';
  const { Worker } = await import('node:worker_threads');
  const { availableParallelism, cpus } = await import('node:os');
  const cores = typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
  if (cores < 2) return 'one core';
  const memory = new WebAssembly.Memory({ initial: 64, maximum: 32768, shared: true });
  const module = await WebAssembly.compile(decodeBase64(GEMM_WASM_SHARED_BASE64) as BufferSource);
  const ex = (await WebAssembly.instantiate(module, { env: { memory } })).exports as unknown as SharedExports;
  // Layout past the module's own data and stack: worker stack | control block | two packing areas | operands.
  const heap = ((ex.__heap_base.value as number) + 15) & ~15;
  const stackTop = heap + 65536;
  const ctrlOff = stackTop;
  const work0 = ctrlOff + CTRL_BYTES, work1 = work0 + ex.workSize() * 4, base = work1 + ex.workSize() * 4;
  const ctrl = new Int32Array(memory.buffer, ctrlOff, CTRL_BYTES / 4);
  const fctrl = new Float32Array(memory.buffer, ctrlOff, CTRL_BYTES / 4);
  const worker = new Worker(WORKER, { eval: true, workerData: { module, memory, ctrlOff, stackTop, work: work1 } });
  try {
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
  } catch (e) {
    await worker.terminate();
    return `the worker did not start: ${e instanceof Error ? e.message : String(e)}`;
  }
  worker.unref(); // never keeps the process alive
  let seq = 0;

  const reserve = heapReserver(memory, base);

  /** Pointer arithmetic in bytes for one part of a product, run here (worker = false) or there. */
  type Part = [tA: number, tB: number, M: number, N: number, K: number, A: number, lda: number, B: number, ldb: number, C: number, ldc: number, count: number, sA: number, sB: number, sC: number];
  const runHere = (p: Part, alpha: number, beta: number) => {
    const [tA, tB, M, N, K, A, lda, B, ldb, C, ldc, count, sA, sB, sC] = p;
    for (let t = 0; t < count; t++) ex.sgemm(tA, tB, M, N, K, alpha, A + 4 * t * sA, lda, B + 4 * t * sB, ldb, beta, C + 4 * t * sC, ldc, work0);
  };
  const post = (p: Part, alpha: number, beta: number) => {
    ctrl.set(p, JOB);
    ctrl[JOB + 15] = 0;
    fctrl[ALPHA] = alpha;
    fctrl[BETA] = beta;
    seq = (seq + 1) | 0;
    Atomics.store(ctrl, 0, seq);
    Atomics.notify(ctrl, 0);
  };
  // Waits for the worker's half. In benchmarks/step (Node 20.20, after tfjs's wasm backend, a
  // spawned numpy and memory growth) both threads were found asleep for good with a job
  // posted, in every run: the worker in Atomics.wait on a sequence number that had already moved on, a notify
  // lost. Not reproduced in isolation; so the wait here is timed, and each time it runs out the job
  // is notified again, which turns a hang into a 2 ms delay. The notify is harmless to a busy worker
  // and to an idle one alike: the worker only runs a job whose sequence number it has not seen.
  const renotifyMs = options.renotifyMs ?? RENOTIFY_MS;
  const join = () => {
    for (let done = Atomics.load(ctrl, 1); done !== seq; done = Atomics.load(ctrl, 1)) {
      if (Atomics.wait(ctrl, 1, done, renotifyMs) === 'timed-out') Atomics.notify(ctrl, 0);
    }
  };

  const sgemm: Sgemm = (tA, tB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc, batch, sA, sB, sC) => {
    if (batch === 0 || M === 0 || N === 0) return;
    checkGemmArgs(tA, tB, M, N, K, A, aOff, lda, B, bOff, ldb, C, cOff, ldc, batch, sA, sB, sC);
    if (M * N * K <= SMALL_GEMM) return jsSgemm(tA, tB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc, batch, sA, sB, sC);
    const { a0, b0, c0, cSpan, heap: h } = stageOperands(reserve, base, tA, tB, M, N, K, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc, batch, sA, sB, sC);
    const pa = a0 * 4, pb = b0 * 4, pc = c0 * 4;
    const whole: Part = [+tA, +tB, M, N, K, pa, lda, pb, ldb, pc, ldc, batch, sA, sB, sC];
    if (M * N * K * batch < THREADED) runHere(whole, alpha, beta);
    else {
      let mine: Part, theirs: Part;
      if (batch >= 2) {
        const b1 = batch >> 1;
        mine = [+tA, +tB, M, N, K, pa, lda, pb, ldb, pc, ldc, b1, sA, sB, sC];
        theirs = [+tA, +tB, M, N, K, pa + 4 * b1 * sA, lda, pb + 4 * b1 * sB, ldb, pc + 4 * b1 * sC, ldc, batch - b1, sA, sB, sC];
      } else if (N >= 16) {
        const n0 = ((N >> 1) + 7) & ~7; // whole 8-column tiles on the first half
        mine = [+tA, +tB, M, n0, K, pa, lda, pb, ldb, pc, ldc, 1, 0, 0, 0];
        theirs = [+tA, +tB, M, N - n0, K, pa, lda, pb + 4 * (tB ? n0 * ldb : n0), ldb, pc + 4 * n0, ldc, 1, 0, 0, 0];
      } else {
        const m0 = ((M >> 1) + 3) & ~3;
        mine = [+tA, +tB, m0, N, K, pa, lda, pb, ldb, pc, ldc, 1, 0, 0, 0];
        theirs = [+tA, +tB, M - m0, N, K, pa + 4 * (tA ? m0 : m0 * lda), lda, pb, ldb, pc + 4 * m0 * ldc, ldc, 1, 0, 0, 0];
      }
      post(theirs, alpha, beta);
      runHere(mine, alpha, beta);
      join();
      if (options.wakeIdleWorker) Atomics.notify(ctrl, 0);
    }
    C.set(h.subarray(c0, c0 + cSpan), cOff);
  };
  const close = async () => {
    ctrl[JOB + 15] = 1;
    seq = (seq + 1) | 0;
    Atomics.store(ctrl, 0, seq);
    Atomics.notify(ctrl, 0);
    await worker.terminate();
  };
  return { name: 'wasm', sgemm, softmax: jsSoftmax, close };
}
