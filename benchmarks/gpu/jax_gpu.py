"""The JAX side of benchmarks/gpu (gpu.ts starts it when `import jax` succeeds; not meant to be
run by hand).

`python3 jax_gpu.py FOLDER` loads the parameters and start states gpu.ts wrote into FOLDER, runs
jax_steps.py's closed-form step of each model, one `jax.jit`-compiled step per call, on JAX's
default device (its GPU when jaxlib has CUDA), with float32 matrix products at full precision
(`jax_default_matmul_precision = "highest"`: no TF32), and prints one line `@@ {...}` with, per
model, the wall times (ms) of `reps` fixed relaxations of `short` and of `long` steps after a
warm-up (which compiles), and how far its energies after `short` steps are from PyTorch's.
"""
import os
import sys
import time

# Allocate GPU memory as needed, not 75% of it up front.
os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")

import json  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "public"))

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

import jax_steps  # noqa: E402
from inputs import Inputs  # noqa: E402

jax.config.update("jax_default_matmul_precision", "highest")

inputs = Inputs(sys.argv[1])
M = inputs.manifest
short, long_ = M["steps"]
check = M["checkEvery"]
devices = jax.devices()
info = {
    "jax": jax.__version__,
    "backend": jax.default_backend(),
    "device": str(devices[0].device_kind if hasattr(devices[0], "device_kind") else devices[0]),
    "matmulPrecision": "highest",
    "models": {},
}
sys.stderr.write(f"  JAX {jax.__version__} on {info['backend']} ({info['device']})\n")


def rel_diff(ours, theirs):
    return float(np.max(np.abs(ours - theirs)) / (np.max(np.abs(theirs)) or 1.0))


for model in M["models"]:
    cid = model["id"]
    case = inputs.case(cid)
    params, evaluate = jax_steps.FACTORIES[model["kind"]](jnp, inputs, cid)
    params = jax.device_put(params)
    start = jax.device_put(inputs.start_arrays(cid))
    evaluate_jit = jax.jit(evaluate)
    step = jax.jit(jax_steps.stepper(case, evaluate))

    def run(n):
        return jax_steps.relax(jnp, cid, params, start, evaluate_jit, step, n, check)

    E = run(short)  # also the warm-up: compiles
    agree = rel_diff(E[-1], inputs.array(f"ref.{cid}.E"))
    times = {"short": [], "long": [], "agree": agree}
    for _ in range(M["reps"]):
        t0 = time.perf_counter()
        run(short)
        times["short"].append((time.perf_counter() - t0) * 1e3)
        t0 = time.perf_counter()
        run(long_)
        times["long"].append((time.perf_counter() - t0) * 1e3)
    info["models"][cid] = times
    sys.stderr.write(f"  JAX {cid} done\n")

sys.stdout.write("@@ " + json.dumps(info) + "\n")
