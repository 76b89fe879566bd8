"""The benchmarks' graphs as closed-form steps for JAX, written for benchmarks/gpu (not HAMUX's code).

Written against the array functions that jax.numpy and NumPy share (`xp`), so the arithmetic can be
checked on a machine without JAX; jax_gpu.py runs it with jax.numpy under jax.jit. The energies and
update signals are hamux-ts's (the same as public/torch_steps.py's, written independently):
- dense memory: E = 1/2 |x|^2 - (1/beta) lse(beta xi x), dE/dxhat = x - xi^T softmax(beta xi x);
- hierarchy: pixels (identity, clamped) - W1 - features (tanh, beta_f) - W2 - memories (softmax,
  beta_m): E = 1/2 |v|^2 + (a_f.f - (1/beta_f) sum log cosh(beta_f f)) + (a_m.m - (1/beta_m)
  lse(beta_m m)) - v W1 a_f - a_f W2 a_m;
- Energy Transformer block (no neuron energy): xhat = layernorm(x); attention
  E = -(1/beta) sum_{h,c} lse_k(beta q_hc . k_hk) and a ReLU^2 memory E = -1/2 sum relu(xhat xi^T)^2.
"""
import math

import numpy as np

LOG2 = math.log(2.0)


def softmax_lse(xp, z, axis):
    """softmax(z) and logsumexp(z) along `axis`, with the maximum subtracted first."""
    top = xp.max(z, axis=axis, keepdims=True)
    e = xp.exp(z - top)
    total = xp.sum(e, axis=axis, keepdims=True)
    return e / total, xp.squeeze(xp.log(total) + top, axis=axis)


def dense_memory(xp, inputs, cid):
    xi = inputs.array(f"{cid}.param.synapses.mem.xi")  # [K, D]
    beta = inputs.scalar(f"{cid}.param.synapses.mem.beta")
    params = {"xi": xi}

    def evaluate(p, s):
        x = s["v"]
        a, lse = softmax_lse(xp, beta * (x @ p["xi"].T), -1)
        return 0.5 * xp.sum(x * x, axis=-1) - lse / beta, {"v": x - a @ p["xi"]}

    return params, evaluate


def hierarchy(xp, inputs, cid):
    params = {
        "W1": inputs.array(f"{cid}.param.synapses.encode.W"),  # [P, F]
        "W2": inputs.array(f"{cid}.param.synapses.recall.W"),  # [F, M]
    }
    bf = inputs.scalar(f"{cid}.param.layers.features.beta")
    bm = inputs.scalar(f"{cid}.param.layers.memories.beta")

    def evaluate(p, s):
        v, f, m = s["pixels"], s["features"], s["memories"]
        yf = bf * f
        af = xp.tanh(yf)
        am, lse = softmax_lse(xp, bm * m, -1)
        drive_f = v @ p["W1"]
        drive_m = af @ p["W2"]
        log_cosh = xp.abs(yf) + xp.log1p(xp.exp(-2 * xp.abs(yf))) - LOG2
        energy = (
            0.5 * xp.sum(v * v, axis=-1)
            + xp.sum(af * f, axis=-1) - xp.sum(log_cosh, axis=-1) / bf
            + xp.sum(am * m, axis=-1) - lse / bm
            - xp.sum(drive_f * af, axis=-1)
            - xp.sum(drive_m * am, axis=-1)
        )
        return energy, {"features": f - drive_f - am @ p["W2"].T, "memories": m - drive_m}

    return params, evaluate


def energy_transformer(xp, inputs, cid):
    params = {
        "Wk": inputs.array(f"{cid}.param.synapses.att.Wk"),  # [H, Y, D]
        "Wq": inputs.array(f"{cid}.param.synapses.att.Wq"),
        "xi": inputs.array(f"{cid}.param.synapses.mem.xi"),  # [K, D]
        "delta": inputs.array(f"{cid}.param.layers.t.delta").reshape(-1),
    }
    beta = inputs.scalar(f"{cid}.param.synapses.att.beta")
    gamma = inputs.scalar(f"{cid}.param.layers.t.gamma")
    eps = float(inputs.case(cid)["layers"]["t"]["options"]["eps"])

    def evaluate(p, s):
        x = s["t"]  # [B, N, D]
        centred = x - xp.mean(x, axis=-1, keepdims=True)
        xh = gamma * centred / xp.sqrt(xp.mean(centred * centred, axis=-1, keepdims=True) + eps) + p["delta"]
        k = xp.einsum("bnd,hyd->bhny", xh, p["Wk"])
        q = xp.einsum("bnd,hyd->bhny", xh, p["Wq"])
        attn, lse = softmax_lse(xp, beta * xp.einsum("bhcy,bhky->bhck", q, k), -1)
        hidden = xp.maximum(xp.einsum("bnd,kd->bnk", xh, p["xi"]), 0)
        energy = -xp.sum(lse, axis=(1, 2)) / beta - 0.5 * xp.sum(hidden * hidden, axis=(1, 2))
        d_q = xp.einsum("bhck,bhky->bhcy", attn, k)
        d_k = xp.einsum("bhck,bhcy->bhky", attn, q)
        signal = -(
            xp.einsum("bhny,hyd->bnd", d_q, p["Wq"])
            + xp.einsum("bhny,hyd->bnd", d_k, p["Wk"])
            + xp.einsum("bnk,kd->bnd", hidden, p["xi"])
        )
        return energy, {"t": signal}

    return params, evaluate


FACTORIES = {"denseMemory": dense_memory, "hierarchy": hierarchy, "energyTransformer": energy_transformer}


def stepper(case, evaluate):
    """One step of HAMUX's fixed loop: the free layers move by -(dt/tau) dE/dxhat, then E and the
    signals of the new states. `step(p, s, g) -> (s', g', E')`."""
    alpha = {n: case["dt"] / case["layers"][n]["tau"] for n in case["layers"] if n not in case["clamp"]}

    def step(p, s, g):
        s = {n: (x - alpha[n] * g[n] if n in alpha else x) for n, x in s.items()}
        energy, g = evaluate(p, s)
        return s, g, energy

    return step


def relax(xp, cid, params, start, evaluate, step, steps, check):
    """The fixed loop from `start`: `steps` steps, the energies read back to the host (`np.asarray`)
    every `check` steps and at the end, and checked for a rise. Returns the energies [steps+1, B]."""
    s = start
    energy, g = evaluate(params, s)
    history = [energy]
    host = [np.asarray(energy)[None]]
    for t in range(1, steps + 1):
        s, g, energy = step(params, s, g)
        history.append(energy)
        if t % check == 0 or t == steps:
            E = np.asarray(xp.stack(history))
            if (E[1:] - E[:-1] > 1e-5 * (1 + np.abs(E[:-1]))).any():
                raise RuntimeError(f"case {cid}: the energy rose by step {t}")
            host.append(E[1:])
            history = [energy]
    return np.concatenate(host)
