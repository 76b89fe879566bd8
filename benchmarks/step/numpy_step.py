"""The yardstick of benchmarks/step: the same steps as step.ts, in plain numpy (float32, analytic
gradients, BLAS through numpy). step.ts writes the inputs (parameters and states, raw float32) and a
manifest into a folder and runs `python3 numpy_step.py FOLDER RUNS`; this prints one JSON object:
per case the median and spread of the step time, and the energy and ∂E/∂x̂ of the first evaluation
(so that step.ts can check that both sides computed the same thing).
"""
import json
import os
import sys
import time

import numpy as np

folder, runs = sys.argv[1], int(sys.argv[2])
manifest = json.load(open(os.path.join(folder, "manifest.json")))


def load(name):
    shape = manifest["arrays"][name]
    return np.fromfile(os.path.join(folder, name + ".bin"), dtype=np.float32).reshape(shape)


def softmax_lse(z):
    """Row-wise softmax and log-sum-exp along the last axis."""
    m = z.max(axis=-1, keepdims=True)
    e = np.exp(z - m)
    s = e.sum(axis=-1, keepdims=True)
    return e / s, (m + np.log(s))[..., 0]


# (a) identity layer v [784] + modern Hopfield memory (1000 memories, β)
def hopfield_grad(x, xi, beta):
    p, lse = softmax_lse(beta * (x @ xi.T))
    energy = 0.5 * (x * x).sum(axis=1) - lse / beta
    return energy, x - p @ xi


def case_a():
    x, xi, beta, dt = load("a.v"), load("a.xi"), manifest["a"]["beta"], manifest["a"]["dt"]
    first = hopfield_grad(x, xi, beta)

    def step():
        nonlocal x
        e, g = hopfield_grad(x, xi, beta)
        x = x - np.float32(dt) * g
        return e

    return first[0], {"v": first[1]}, step


# (b) v [784] identity, h1 [512] relu, h2 [256] softmax; dense W1 (v–h1), W2 (h1–h2)
def dense3_grad(v, x1, x2, W1, W2):
    r1 = np.maximum(x1, 0)
    p2, lse2 = softmax_lse(x2)
    P1 = v @ W1
    P2 = r1 @ W2
    energy = (
        0.5 * (v * v).sum(1)
        + ((r1 * x1).sum(1) - 0.5 * (r1 * r1).sum(1))
        + ((p2 * x2).sum(1) - lse2)
        - (P1 * r1).sum(1)
        - (P2 * p2).sum(1)
    )
    gv = v - r1 @ W1.T
    g1 = x1 - P1 - p2 @ W2.T
    g2 = x2 - P2
    return energy, gv, g1, g2


def case_b():
    v, x1, x2 = load("b.v"), load("b.h1"), load("b.h2")
    W1, W2, dt = load("b.W1"), load("b.W2"), np.float32(manifest["b"]["dt"])
    first = dense3_grad(v, x1, x2, W1, W2)

    def step():
        nonlocal v, x1, x2
        e, gv, g1, g2 = dense3_grad(v, x1, x2, W1, W2)
        v, x1, x2 = v - dt * gv, x1 - dt * g1, x2 - dt * g2
        return e

    return first[0], {"v": first[1], "h1": first[2], "h2": first[3]}, step


# (c) Energy Transformer: tokens [N, D], layer norm, energy attention (H heads of width Y) and a
# ReLU² memory per token; the energy is the synapses' alone (no neuron energy).
def et_grad(x, Wk, Wq, xi, beta, gamma, delta, eps):
    B, N, D = x.shape
    H, Y, _ = Wk.shape
    mu = x.mean(-1, keepdims=True)
    xc = x - mu
    sd = np.sqrt((xc * xc).mean(-1, keepdims=True) + np.float32(eps))
    xh = gamma * xc / sd + delta
    rows = xh.reshape(B * N, D)
    Wk2, Wq2 = Wk.reshape(H * Y, D), Wq.reshape(H * Y, D)
    K = (rows @ Wk2.T).reshape(B, N, H, Y).transpose(0, 2, 1, 3)
    Q = (rows @ Wq2.T).reshape(B, N, H, Y).transpose(0, 2, 1, 3)
    A, lse = softmax_lse(beta * (Q @ K.transpose(0, 1, 3, 2)))
    energy = -lse.sum(axis=(1, 2)) / beta
    dQ = (A @ K).transpose(0, 2, 1, 3).reshape(B * N, H * Y)
    dK = (A.transpose(0, 1, 3, 2) @ Q).transpose(0, 2, 1, 3).reshape(B * N, H * Y)
    g = -(dQ @ Wq2) - (dK @ Wk2)
    h = np.maximum(rows @ xi.T, 0)
    energy = energy - 0.5 * (h * h).reshape(B, -1).sum(1)
    g = g - h @ xi
    return energy, g.reshape(B, N, D)


def case_c():
    x = load("c.t")
    Wk, Wq, xi = load("c.Wk"), load("c.Wq"), load("c.xi")
    m = manifest["c"]
    beta, gamma, eps, dt = np.float32(m["beta"]), np.float32(m["gamma"]), m["eps"], np.float32(m["dt"])
    delta = load("c.delta")
    first = et_grad(x, Wk, Wq, xi, beta, gamma, delta, eps)

    def step():
        nonlocal x
        e, g = et_grad(x, Wk, Wq, xi, beta, gamma, delta, eps)
        x = x - dt * g
        return e

    return first[0], {"t": first[1].reshape(x.shape[0], -1)}, step


# (d) tiny: v [16] identity, h [16] softmax, dense W; batch 1
def tiny_grad(v, h, W):
    p, lse = softmax_lse(h)
    P = v @ W
    energy = 0.5 * (v * v).sum(1) + ((p * h).sum(1) - lse) - (P * p).sum(1)
    return energy, v - p @ W.T, h - P


def case_d():
    v, h, W, dt = load("d.v"), load("d.h"), load("d.W"), np.float32(manifest["d"]["dt"])
    first = tiny_grad(v, h, W)

    def step():
        nonlocal v, h
        e, gv, gh = tiny_grad(v, h, W)
        v, h = v - dt * gv, h - dt * gh
        return e

    return first[0], {"v": first[1], "h": first[2]}, step


# (e) training step of (a): T Euler steps from x0, loss ½ Σ (x_T − target)², gradient wrt ξ by hand.
def train_grad(x0, target, xi, beta, dt, T):
    xs, ps = [], []
    x = x0
    for _ in range(T):
        p, _ = softmax_lse(beta * (x @ xi.T))
        xs.append(x)
        ps.append(p)
        x = (1 - dt) * x + dt * (p @ xi)  # x − dt (x − p ξ)
    u = x - target
    loss = 0.5 * float((u * u).sum())
    dxi = np.zeros_like(xi)
    for t in reversed(range(T)):
        x, p = xs[t], ps[t]
        r = u @ xi.T  # ∂loss/∂p, divided by dt
        dxi += dt * (p.T @ u)
        s = dt * p * (r - (p * r).sum(1, keepdims=True))  # ∂loss/∂z, z = β x ξᵀ
        dxi += beta * (s.T @ x)
        u = (1 - dt) * u + beta * (s @ xi)
    return loss, dxi


def case_e():
    x0, target, xi = load("e.x0"), load("e.target"), load("e.xi")
    m = manifest["e"]
    beta, dt, T = np.float32(m["beta"]), np.float32(m["dt"]), m["steps"]
    loss, dxi = train_grad(x0, target, xi, beta, dt, T)

    def step():
        return train_grad(x0, target, xi, beta, dt, T)

    return np.array([loss], dtype=np.float64), {"dxi": dxi}, step


out = {"numpy": np.__version__, "python": sys.version.split()[0], "cases": {}}
# Which BLAS numpy calls: Debian's numpy links libblas.so.3, an alternative that OpenBLAS provides.
out["blas"] = "unknown"
for lib in ["/usr/lib/x86_64-linux-gnu/libblas.so.3", "/usr/lib/aarch64-linux-gnu/libblas.so.3"]:
    if os.path.exists(lib):
        out["blas"] = os.path.realpath(lib)
        break


def sample(g):
    flat = np.asarray(g, dtype=np.float64).ravel()
    return flat[:: max(1, flat.size // 4096)]


for name, make in [("a", case_a), ("b", case_b), ("c", case_c), ("d", case_d), ("e", case_e)]:
    if name not in manifest["cases"]:
        continue
    energy, grads, step = make()
    n = runs if name != "e" else max(3, runs // 4)
    if name == "d":
        n = runs * 50
    for _ in range(3):
        step()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    out["cases"][name] = {
        "median_ms": times[len(times) // 2],
        "min_ms": times[0],
        "max_ms": times[-1],
        "runs": n,
        "energy": [float(e) for e in np.asarray(energy).ravel()],
        # Every k-th entry (at most about 4096 of them): enough to see that both sides agree.
        "grads": {k: [float(v) for v in sample(g)] for k, g in grads.items()},
    }
print(json.dumps(out))
