"""The PyTorch steps of the benchmarks' graphs, in closed form; used by public/torch_public.py and
gpu/torch_gpu.py.

`inputs` is what a benchmark's parent wrote into a folder (inputs.py's `Inputs`: raw float32
`<name>.bin` files listed in `manifest.json`). Each factory below takes those inputs, a case id and
a device, and returns `evaluate(states) -> (energy [B], {free layer: dE/dxhat})`, closed over the
case's parameters; `relax` is HAMUX's fixed Euler loop around such an `evaluate`. The formulas are
those of hamux-ts's built-ins (modern Hopfield: E = 1/2 |x|^2 - (1/beta) logsumexp(beta xi x),
dE/dxhat = x - xi^T softmax(beta xi x); see benchmarks/public/README.md).
"""
import math

import numpy as np
import torch

LOG2 = math.log(2.0)


def tensor(inputs, name, device="cpu"):
    """Array `name` of the inputs as a tensor on `device`."""
    return torch.from_numpy(inputs.array(name)).to(device)


def start_states(inputs, cid, device="cpu"):
    """Case `cid`'s start states, by layer, on `device`."""
    return {n: torch.from_numpy(a).to(device) for n, a in inputs.start_arrays(cid).items()}


def dense_memory(inputs, cid, device="cpu"):
    """`v` (identity) + modern Hopfield memory xi [K, D] with inverse temperature beta."""
    xi = tensor(inputs, f"{cid}.param.synapses.mem.xi", device)
    xiT = xi.t().contiguous()
    beta = inputs.scalar(f"{cid}.param.synapses.mem.beta")

    def evaluate(s):
        x = s["v"]
        z = torch.mm(x, xiT).mul_(beta)
        lse = torch.logsumexp(z, 1)
        p = torch.softmax(z, 1)
        energy = 0.5 * (x * x).sum(1) - lse / beta
        return energy, {"v": x - torch.mm(p, xi)}

    return evaluate


def hierarchy(inputs, cid, device="cpu", full=False, hoist=False):
    """pixels (identity) - encode - features (tanh, beta_f) - recall - memories (softmax, beta_m).

    full: also the clamped pixels' signal (never used). hoist: the clamped pixels' product v W1 made
    once per descent (while the same pixels tensor comes back), as a PyTorch user who notices it is
    constant would write it."""
    W1 = tensor(inputs, f"{cid}.param.synapses.encode.W", device)  # [784, 256]
    W2 = tensor(inputs, f"{cid}.param.synapses.recall.W", device)  # [256, 64]
    W1T, W2T = W1.t().contiguous(), W2.t().contiguous()
    bf = inputs.scalar(f"{cid}.param.layers.features.beta")
    bm = inputs.scalar(f"{cid}.param.layers.memories.beta")

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


def energy_transformer(inputs, cid, device="cpu"):
    """Energy Transformer block: layer-norm tokens, energy attention + ReLU^2 memory, no neuron energy."""
    c = inputs.case(cid)
    Wk = tensor(inputs, f"{cid}.param.synapses.att.Wk", device)  # [H, Y, D]
    Wq = tensor(inputs, f"{cid}.param.synapses.att.Wq", device)
    beta = inputs.scalar(f"{cid}.param.synapses.att.beta")
    xi = tensor(inputs, f"{cid}.param.synapses.mem.xi", device)  # [K, D]
    xiT = xi.t().contiguous()
    gamma = inputs.scalar(f"{cid}.param.layers.t.gamma")
    delta = tensor(inputs, f"{cid}.param.layers.t.delta", device).reshape(-1)
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


def tiny(inputs, cid, device="cpu"):
    """`v` (identity) - dense W - `h` (softmax)."""
    W = tensor(inputs, f"{cid}.param.synapses.W.W", device)  # [16, 16]
    WT = W.t().contiguous()
    bh = inputs.scalar(f"{cid}.param.layers.h.beta")

    def evaluate(s):
        v, h = s["v"], s["h"]
        z = bh * h
        p = torch.softmax(z, 1)
        P = torch.mm(v, W)
        energy = 0.5 * (v * v).sum(1) + (p * h).sum(1) - torch.logsumexp(z, 1) / bh - (P * p).sum(1)
        return energy, {"v": v - torch.mm(p, WT), "h": h - P}

    return evaluate


class Rise(Exception):
    pass


def relax(cid, case, start, evaluate, steps, check):
    """HAMUX's fixed loop as a user writes it in PyTorch, from the states `start` (never written
    into) of case `cid` (its manifest entry `case`): returns the final states and the energies
    [steps+1, B], read back to the host every `check` steps and checked for a rise."""
    s = dict(start)
    free = [n for n in case["layers"] if n not in case["clamp"]]
    alpha = {n: case["dt"] / case["layers"][n]["tau"] for n in free}
    energy, g = evaluate(s)
    history = [energy]  # the energies since the last check, starting with the last one read
    host = [energy.cpu().numpy().copy()[None]]
    for t in range(1, steps + 1):
        for n in free:
            s[n] = torch.add(s[n], g[n], alpha=-alpha[n])
        energy, g = evaluate(s)
        history.append(energy)
        if t % check == 0 or t == steps:
            E = torch.stack(history)  # read back, and check that no energy rose
            if (E[1:] - E[:-1] > 1e-5 * (1 + E[:-1].abs())).any():
                raise Rise(f"case {cid}: the energy rose by step {t}")
            host.append(E[1:].cpu().numpy().copy())
            history = [energy]
    return s, torch.from_numpy(np.concatenate(host))
