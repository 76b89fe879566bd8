"""The PyTorch side of benchmarks/public (public.ts starts it; not meant to be run by hand).

`python3 torch_public.py FOLDER` loads the parameters and start states that public.ts wrote into
FOLDER (raw float32 + manifest.json), writes its reference results for the agreement check
(first step's energies and update, energies after all steps, first training loss and gradients),
warms up, prints one line `@@ {"ready": ...}`, and then answers each line `{"cmd": "round"}` on
stdin with one line `@@ {...timings...}` until `{"cmd": "quit"}`.

What it computes, per case, is the same model as hamux-ts's (see README.md):
- relaxation: HAMUX's fixed Euler loop `x_i <- x_i - (dt/tau_i) dE/dxhat_i` with the energy and
  dE/dxhat in closed form under torch.no_grad(); the energy of every sample at every step (what
  hamux-ts's fixed loop computes to detect a rising energy), read back every `checkEvery` steps
  and checked for a rise; signals of clamped layers are not computed (they are never used);
- training: 8 unrolled steps of the classifier as plain differentiable tensor code (closed-form
  dE/dxhat), cross-entropy on the label activation, loss.backward(), torch.optim.Adam.
"""
import json
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(2)
torch.set_grad_enabled(False)

import torch_steps as steps  # noqa: E402  (the closed-form steps, shared with gpu/torch_gpu.py)
from inputs import Inputs  # noqa: E402

folder = sys.argv[1]
INPUTS = Inputs(folder)
M = INPUTS.manifest
STEPS, CHECK = M["steps"], M["checkEvery"]


def load(name):
    return steps.tensor(INPUTS, name)


scalar = INPUTS.scalar

refs = {}


def put_ref(name, t):
    a = np.ascontiguousarray(t.detach().to(torch.float32).numpy())
    a.tofile(os.path.join(folder, "ref." + name + ".bin"))
    refs[name] = list(a.shape)


def emit(obj):
    sys.stdout.write("@@ " + json.dumps(obj) + "\n")
    sys.stdout.flush()


# ---------------------------------------------------------------- the relaxation cases
START = {cid: steps.start_states(INPUTS, cid) for cid in M["relax"]}


def relax(cid, evaluate, steps_):
    """HAMUX's fixed loop (torch_steps.relax) from case `cid`'s start states."""
    return steps.relax(cid, M["relax"][cid], START[cid], evaluate, steps_, CHECK)


EVALUATE = {
    "a": steps.dense_memory(INPUTS, "a"),
    "b": steps.hierarchy(INPUTS, "b"),
    "b_full": steps.hierarchy(INPUTS, "b", full=True),
    "b_hoisted": steps.hierarchy(INPUTS, "b", hoist=True),
    "c": steps.energy_transformer(INPUTS, "c"),
    "tiny": steps.tiny(INPUTS, "tiny"),
}


def relax_ref(cid):
    """Energies of the first step and its update, and energies after all steps."""
    c = M["relax"][cid]
    s0 = START[cid]
    s1, E1 = relax(cid, EVALUATE[cid], 1)
    put_ref(f"{cid}.E01", E1)  # [2, B]
    for n in c["layers"]:
        if n not in c["clamp"]:
            put_ref(f"{cid}.update.{n}", s1[n] - s0[n])
    _, E = relax(cid, EVALUATE[cid], STEPS)
    put_ref(f"{cid}.Elast", E[-1])


# ---------------------------------------------------------------- training
T = M["train"]


class Classifier:
    def __init__(self):
        self.W1 = load("train.param.synapses.encode.W").requires_grad_()  # [784, 256]
        self.b1 = load("train.param.synapses.encode.b").reshape(-1).requires_grad_()
        self.W2 = load("train.param.synapses.classify.W").requires_grad_()  # [256, 10]
        self.b2 = load("train.param.synapses.classify.b").reshape(-1).requires_grad_()
        self.beta = scalar("train.param.layers.label.beta")
        self.x = load("train.x")
        self.y = load("train.y")
        layers = T["layers"]
        self.ah = T["dt"] / layers["hidden"]["tau"]
        self.al = T["dt"] / layers["label"]["tau"]
        a = T["adam"]
        self.opt = torch.optim.Adam([self.W1, self.b1, self.W2, self.b2], lr=T["learningRate"],
                                    betas=(a["beta1"], a["beta2"]), eps=a["epsilon"])

    def loss(self, hoist=False):
        x, B = self.x, self.x.shape[0]
        h = torch.zeros(B, self.W1.shape[1])
        l = torch.zeros(B, self.W2.shape[1])
        # hoist: the clamped input's drive x W1 + b1 made once, not once per unrolled step
        drive = torch.addmm(self.b1, x, self.W1) if hoist else None
        for _ in range(T["steps"]):
            hh = torch.relu(h)
            lh = torch.softmax(self.beta * l, 1)
            gh = h - (drive if hoist else torch.addmm(self.b1, x, self.W1)) - torch.mm(lh, self.W2.t())
            gl = l - torch.addmm(self.b2, hh, self.W2)
            h = h - self.ah * gh
            l = l - self.al * gl
        p = torch.softmax(self.beta * l, 1)
        return -(self.y * torch.log(torch.clamp(p, min=1e-30))).sum() / B

    def grads(self):
        with torch.enable_grad():
            loss = self.loss()
            g = torch.autograd.grad(loss, [self.W1, self.b1, self.W2, self.b2])
        return loss.detach(), g

    def step(self, hoist=False):
        with torch.enable_grad():
            self.opt.zero_grad(set_to_none=True)
            loss = self.loss(hoist)
            loss.backward()
            self.opt.step()
        return loss.item()


clf = Classifier()
loss0, g0 = clf.grads()
put_ref("train.loss", loss0.reshape(1))
for name, g in zip(["synapses.encode.W", "synapses.encode.b", "synapses.classify.W", "synapses.classify.b"], g0):
    put_ref("train.grad." + name, g)

for cid in ["a", "b", "c", "tiny"]:
    relax_ref(cid)
# the hoisted variants compute the same thing
assert torch.allclose(relax("b", EVALUATE["b"], STEPS)[1], relax("b", EVALUATE["b_hoisted"], STEPS)[1], rtol=1e-5, atol=1e-5)
assert torch.allclose(clf.loss(), clf.loss(hoist=True), rtol=1e-6)
with open(os.path.join(folder, "ref.json"), "w") as f:
    json.dump(refs, f)


# ---------------------------------------------------------------- timing
def timed(f, n):
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        f()
        out.append((time.perf_counter() - t0) * 1e3)
    return out


def one_round(reps, tiny_calls, train_reps, warm=False):
    r = {}
    for cid in ["a", "b", "b_full", "b_hoisted", "c"]:
        base = "b" if cid.startswith("b_") else cid
        ms = timed(lambda: relax(base, EVALUATE[cid], STEPS), 1 if warm else reps)
        r[cid] = [t / STEPS for t in ms]  # ms per step
    r["tiny"] = timed(lambda: relax("tiny", EVALUATE["tiny"], 1), 20 if warm else tiny_calls)
    r["train"] = timed(clf.step, 1 if warm else train_reps)
    r["train_hoisted"] = timed(lambda: clf.step(hoist=True), 1 if warm else train_reps)
    return r


one_round(1, 1, 1, warm=True)
blas = "unknown"
for lib in ["/usr/lib/x86_64-linux-gnu/libblas.so.3", "/usr/lib/aarch64-linux-gnu/libblas.so.3"]:
    if os.path.exists(lib):
        blas = os.path.realpath(lib)
        break
emit({
    "ready": True,
    "torch": torch.__version__,
    "python": sys.version.split()[0],
    "threads": torch.get_num_threads(),
    "blas": blas,
    "omp": {k: os.environ.get(k) for k in ["OMP_NUM_THREADS", "OMP_WAIT_POLICY"]},
})
for line in sys.stdin:
    msg = json.loads(line)
    if msg.get("cmd") == "quit":
        break
    emit(one_round(M["reps"], M["tinyCalls"], M["trainReps"]))
