"""The PyTorch side of benchmarks/gpu (gpu.ts starts it; not meant to be run by hand).

`python3 torch_gpu.py FOLDER` loads the parameters and start states gpu.ts wrote into FOLDER, on
CUDA when torch sees a GPU and on the CPU otherwise (and says which), and prints one line
`@@ {...}` with:
- the GEMM peak: the best of several `torch.mm` of two float32 n x n matrices (TF32 off), FLOP/s;
- per model, the wall times (ms) of `reps` fixed relaxations of `short` and of `long` steps, after a
  warm-up. The relaxation is public/torch_steps.py's: HAMUX's fixed Euler loop, eager, with the
  energy and dE/dxhat in closed form, the energies read back to the host every `checkEvery` steps
  and at the end (which synchronises the GPU) and checked for a rise.
It writes `ref.<model>.E`, the energies after `short` steps, for the other sides to compare with.
"""
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import json  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "public"))

import torch  # noqa: E402

import torch_steps as steps  # noqa: E402
from inputs import Inputs  # noqa: E402

torch.set_grad_enabled(False)
# Float32 for real: no TF32 in matrix products (PyTorch's default for matmul since 1.12, said here
# so that the peak below and the steps are measured alike).
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False

inputs = Inputs(sys.argv[1])
M = inputs.manifest
cuda = torch.cuda.is_available()
device = torch.device("cuda:0" if cuda else "cpu")
if not cuda:
    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))

FACTORIES = {
    "denseMemory": steps.dense_memory,
    "hierarchy": steps.hierarchy,
    "energyTransformer": steps.energy_transformer,
}


def sync():
    if cuda:
        torch.cuda.synchronize()


def gemm_peak(n, reps):
    """FLOP/s of the fastest of `reps` float32 products of two n x n matrices (after a warm-up)."""
    g = torch.Generator(device=device).manual_seed(0)
    a = torch.rand(n, n, device=device, generator=g)
    b = torch.rand(n, n, device=device, generator=g)
    c = torch.empty(n, n, device=device)
    for _ in range(2):
        torch.mm(a, b, out=c)
    sync()
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        torch.mm(a, b, out=c)
        sync()
        best = min(best, time.perf_counter() - t0)
    return 2.0 * n ** 3 / best


def timed(f):
    sync()
    t0 = time.perf_counter()
    f()
    return (time.perf_counter() - t0) * 1e3


def log(s):
    sys.stderr.write(s + "\n")
    sys.stderr.flush()


short, long_ = M["steps"]
check = M["checkEvery"]
peak_n = M["peak"]["n"]
info = {
    "torch": torch.__version__,
    "python": sys.version.split()[0],
    "cuda": cuda,
    "device": torch.cuda.get_device_name(0) if cuda else f"CPU ({torch.get_num_threads()} threads)",
    "cudaVersion": torch.version.cuda,
    "tf32": torch.backends.cuda.matmul.allow_tf32,
    "peak": {"n": peak_n, "flops": gemm_peak(peak_n, M["peak"]["reps"])},
    "models": {},
}
log(f"  PyTorch {torch.__version__} on {info['device']}: GEMM peak {info['peak']['flops'] / 1e12:.3g} TFLOP/s ({peak_n}^3, float32)")

for model in M["models"]:
    cid = model["id"]
    evaluate = FACTORIES[model["kind"]](inputs, cid, device)
    start = steps.start_states(inputs, cid, device)
    case = inputs.case(cid)

    def run(n):
        return steps.relax(cid, case, start, evaluate, n, check)

    _, E = run(short)  # also the warm-up
    inputs.put(f"ref.{cid}.E", E[-1].numpy())
    times = {"short": [], "long": []}
    for _ in range(M["reps"]):
        times["short"].append(timed(lambda: run(short)))
        times["long"].append(timed(lambda: run(long_)))
    info["models"][cid] = times
    log(f"  PyTorch {cid} done")
    del evaluate, start
    if cuda:
        torch.cuda.empty_cache()

sys.stdout.write("@@ " + json.dumps(info) + "\n")
