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
import math
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(2)
torch.set_grad_enabled(False)

folder = sys.argv[1]
M = json.load(open(os.path.join(folder, "manifest.json")))
STEPS, CHECK = M["steps"], M["checkEvery"]


def load(name):
    shape = M["arrays"][name]
    a = np.fromfile(os.path.join(folder, name + ".bin"), dtype=np.float32).reshape(shape)
    return torch.from_numpy(a.copy())


def scalar(name):
    return float(load(name).reshape(-1)[0])


refs = {}


def put_ref(name, t):
    a = np.ascontiguousarray(t.detach().to(torch.float32).numpy())
    a.tofile(os.path.join(folder, "ref." + name + ".bin"))
    refs[name] = list(a.shape)


def emit(obj):
    sys.stdout.write("@@ " + json.dumps(obj) + "\n")
    sys.stdout.flush()


LOG2 = math.log(2.0)


# ---------------------------------------------------------------- the relaxation cases
# Each `evaluate_*_factory()` returns evaluate(states) -> (energy [B], {free layer: dE/dxhat}),
# closed over the case's parameters.


def evaluate_a_factory():
    xi = load("a.param.synapses.mem.xi")
    xiT = xi.t().contiguous()
    beta = scalar("a.param.synapses.mem.beta")

    def evaluate(s):
        x = s["v"]
        z = torch.mm(x, xiT).mul_(beta)
        lse = torch.logsumexp(z, 1)
        p = torch.softmax(z, 1)
        energy = 0.5 * (x * x).sum(1) - lse / beta
        return energy, {"v": x - torch.mm(p, xi)}

    return evaluate


def evaluate_b_factory(full=False, hoist=False):
    """pixels (identity) - encode - features (tanh, beta_f) - recall - memories (softmax, beta_m).

    hoist: the clamped pixels' product v W1 made once per descent (while the same pixels tensor
    comes back), as a PyTorch user who notices it is constant would write it."""
    W1 = load("b.param.synapses.encode.W")  # [784, 256]
    W2 = load("b.param.synapses.recall.W")  # [256, 64]
    W1T, W2T = W1.t().contiguous(), W2.t().contiguous()
    bf = scalar("b.param.layers.features.beta")
    bm = scalar("b.param.layers.memories.beta")

    held = {}

    def evaluate(s):
        v, f, m = s["pixels"], s["features"], s["memories"]
        yf = bf * f
        af = torch.tanh(yf)
        zm = bm * m
        am = torch.softmax(zm, 1)
        if hoist and held.get("v") is v:
            P1 = held["P1"]
        else:
            P1 = torch.mm(v, W1)  # [B, 256]
            if hoist:
                held.update(v=v, P1=P1)
        P2 = torch.mm(af, W2)  # [B, 64]
        # log cosh y = y + softplus(-2y) - log 2 (stable)
        logcosh = yf + torch.nn.functional.softplus(-2 * yf) - LOG2
        energy = (
            0.5 * (v * v).sum(1)
            + (af * f).sum(1) - logcosh.sum(1) / bf
            + (am * m).sum(1) - torch.logsumexp(zm, 1) / bm
            - (P1 * af).sum(1)
            - (P2 * am).sum(1)
        )
        g = {"features": f - P1 - torch.mm(am, W2T), "memories": m - P2}
        if full:
            g["pixels"] = v - torch.mm(af, W1T)
        return energy, g

    return evaluate


def evaluate_c_factory():
    """Energy Transformer block: layer-norm tokens, energy attention + ReLU^2 memory, no neuron energy."""
    c = M["relax"]["c"]
    Wk = load("c.param.synapses.att.Wk")  # [H, Y, D]
    Wq = load("c.param.synapses.att.Wq")
    beta = scalar("c.param.synapses.att.beta")
    xi = load("c.param.synapses.mem.xi")  # [K, D]
    xiT = xi.t().contiguous()
    gamma = scalar("c.param.layers.t.gamma")
    delta = load("c.param.layers.t.delta").reshape(-1)
    eps = float(c["layers"]["t"]["options"]["eps"])
    H, Y, D = Wk.shape
    Wk2, Wq2 = Wk.reshape(H * Y, D), Wq.reshape(H * Y, D)
    Wk2T, Wq2T = Wk2.t().contiguous(), Wq2.t().contiguous()

    def evaluate(s):
        x = s["t"]
        B, N, _ = x.shape
        xc = x - x.mean(-1, keepdim=True)
        sd = torch.sqrt((xc * xc).mean(-1, keepdim=True) + eps)
        xh = (gamma * xc / sd + delta).reshape(B * N, D)
        K = torch.mm(xh, Wk2T).reshape(B, N, H, Y).transpose(1, 2)  # [B, H, N, Y]
        Q = torch.mm(xh, Wq2T).reshape(B, N, H, Y).transpose(1, 2)
        S = torch.matmul(Q, K.transpose(2, 3)).mul_(beta)  # [B, H, C, B']
        A = torch.softmax(S, 3)
        energy = -torch.logsumexp(S, 3).sum((1, 2)) / beta
        dQ = torch.matmul(A, K).transpose(1, 2).reshape(B * N, H * Y)
        dK = torch.matmul(A.transpose(2, 3), Q).transpose(1, 2).reshape(B * N, H * Y)
        h = torch.relu(torch.mm(xh, xiT))  # [B N, K]
        energy = energy - 0.5 * (h * h).reshape(B, -1).sum(1)
        g = -(torch.mm(dQ, Wq2) + torch.mm(dK, Wk2) + torch.mm(h, xi))
        return energy, {"t": g.reshape(B, N, D)}

    return evaluate


def evaluate_tiny_factory():
    W = load("tiny.param.synapses.W.W")  # [16, 16]
    WT = W.t().contiguous()
    bh = scalar("tiny.param.layers.h.beta")

    def evaluate(s):
        v, h = s["v"], s["h"]
        z = bh * h
        p = torch.softmax(z, 1)
        P = torch.mm(v, W)
        energy = 0.5 * (v * v).sum(1) + (p * h).sum(1) - torch.logsumexp(z, 1) / bh - (P * p).sum(1)
        return energy, {"v": v - torch.mm(p, WT), "h": h - P}

    return evaluate


START = {cid: {n: load(f"{cid}.state.{n}") for n in c["layers"]} for cid, c in M["relax"].items()}


def start_states(cid):
    """The start states (loaded once; the loop below never writes into them)."""
    return dict(START[cid])


class Rise(Exception):
    pass


def relax(cid, evaluate, steps):
    """HAMUX's fixed loop as a user writes it in PyTorch: returns the final states and energies [steps+1, B]."""
    c = M["relax"][cid]
    s = start_states(cid)
    free = [n for n in c["layers"] if n not in c["clamp"]]
    alpha = {n: c["dt"] / c["layers"][n]["tau"] for n in free}
    energy, g = evaluate(s)
    history = [energy]  # the energies since the last check, starting with the last one read
    host = [energy.numpy().copy()[None]]
    for t in range(1, steps + 1):
        for n in free:
            s[n] = torch.add(s[n], g[n], alpha=-alpha[n])
        energy, g = evaluate(s)
        history.append(energy)
        if t % CHECK == 0 or t == steps:
            E = torch.stack(history)  # read back, and check that no energy rose
            if (E[1:] - E[:-1] > 1e-5 * (1 + E[:-1].abs())).any():
                raise Rise(f"case {cid}: the energy rose by step {t}")
            host.append(E[1:].numpy().copy())
            history = [energy]
    return s, torch.from_numpy(np.concatenate(host))


EVALUATE = {
    "a": evaluate_a_factory(),
    "b": evaluate_b_factory(),
    "b_full": evaluate_b_factory(full=True),
    "b_hoisted": evaluate_b_factory(hoist=True),
    "c": evaluate_c_factory(),
    "tiny": evaluate_tiny_factory(),
}


def relax_ref(cid):
    """Energies of the first step and its update, and energies after all steps."""
    c = M["relax"][cid]
    s0 = start_states(cid)
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
