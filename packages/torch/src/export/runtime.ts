/**
 * The fixed parts of the generated Python file: safetensors reading and writing with the standard
 * library and torch alone, the numerical helpers the built-in forms call (forms.ts), and the module
 * class that turns the generated tables `LAYERS` and `SYNAPSES` into energies, update signals and
 * the fixed-step descent. module.ts puts the generated parts between them.
 */

/** Imports, safetensors and the helpers of the forms. */
export const PRELUDE = String.raw`import ctypes
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

__all__ = ["HamuxModel", "load", "load_safetensors", "save_safetensors", "LAYERS", "SYNAPSES", "DESCEND_DEFAULTS"]

# ---- safetensors: [u64 little-endian N][N bytes of JSON header][data], with the standard library and torch

_DTYPES = {"F32": (torch.float32, 4), "F64": (torch.float64, 8), "F16": (torch.float16, 2), "BF16": (torch.bfloat16, 2)}


def load_safetensors(path):
    """Every tensor of a safetensors file, by name, as float32 CPU tensors (F32, F64, F16 and BF16 are read)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: {len(data)} bytes, too short for a safetensors file")
    n = int.from_bytes(data[:8], "little")
    if n > len(data) - 8:
        raise ValueError(f"{path}: header length {n} runs past the end of the file")
    header = json.loads(data[8:8 + n].decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError(f"{path}: the header is not a JSON object")
    buf = bytearray(data[8 + n:])  # writable, for torch.frombuffer
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype = entry.get("dtype") if isinstance(entry, dict) else None
        if dtype not in _DTYPES:
            raise ValueError(f"{path}: tensor {name!r} has dtype {dtype!r}; expected one of {', '.join(_DTYPES)}")
        torch_dtype, size = _DTYPES[dtype]
        shape = [int(d) for d in entry["shape"]]
        begin, end = (int(o) for o in entry["data_offsets"])
        count = math.prod(shape)
        if not 0 <= begin <= end <= len(buf) or end - begin != count * size:
            raise ValueError(f"{path}: tensor {name!r}: data_offsets [{begin}, {end}] do not hold {shape} of {dtype}")
        if count == 0:
            out[name] = torch.zeros(shape, dtype=torch.float32)
            continue
        raw = torch.frombuffer(buf, dtype=torch.uint8, count=end - begin, offset=begin)
        if sys.byteorder == "big":
            raw = raw.reshape(-1, size).flip(1).reshape(-1)
        out[name] = raw.clone().view(torch_dtype).reshape(shape).to(torch.float32)
    return out


def save_safetensors(path, tensors, metadata=None):
    """Writes tensors (by name) as float32 safetensors, names sorted, data 8-byte aligned; atomically (a temporary file renamed into place)."""
    names = sorted(tensors)
    entries, chunks, offset = [], [], 0
    if metadata:
        entries.append(json.dumps("__metadata__") + ":" + json.dumps({str(k): str(v) for k, v in metadata.items()}))
    for name in names:
        t = tensors[name].detach().to("cpu", torch.float32).contiguous()
        if sys.byteorder == "big":
            t = t.reshape(-1).view(torch.uint8).reshape(-1, 4).flip(1).contiguous()
        nbytes = t.numel() * t.element_size()
        chunks.append(ctypes.string_at(t.data_ptr(), nbytes) if nbytes else b"")
        entries.append(json.dumps(name) + ":" + json.dumps({"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + nbytes]}))
        offset += nbytes
    header = ("{" + ",".join(entries) + "}").encode("utf-8")
    header += b" " * (-len(header) % 8)
    temp = f"{path}.{os.getpid()}.tmp"
    with open(temp, "wb") as f:
        f.write(len(header).to_bytes(8, "little"))
        f.write(header)
        for chunk in chunks:
            f.write(chunk)
    os.replace(temp, path)


# ---- numerical helpers of the built-in forms (the float32-careful forms of @hamux-ts/core)

def _per_sample(t):
    """[B, ...] -> [B]: the sum of each sample's entries."""
    return t.reshape(t.shape[0], -1).sum(1)


def _rectified_power(x, p):
    """max(x, 0)^p with finite derivatives of every order where x <= 0 (they are 0 there)."""
    pos = x > 0
    return torch.where(pos, torch.where(pos, x, torch.ones_like(x)) ** p, torch.zeros_like(x))


def _log_cosh(z):
    """log cosh z = |z| + log1p(e^{-2|z|}) - log 2, finite for any finite z."""
    a = z.abs()
    return a + torch.log1p(torch.exp(-2 * a)) - math.log(2)


def _softplus(z):
    """log(1 + e^z) = max(z, 0) + log1p(e^{-|z|}), finite for any finite z."""
    return torch.relu(z) + torch.log1p(torch.exp(-z.abs()))


def _normalised(v, dim, eps, mean):
    """The root r = sqrt(sum (or mean) of v^2 along dim + eps) and v / r, each row first divided by a
    power of two (held constant) so that the squares neither underflow nor overflow; a row of zeros
    with eps = 0 has r = 0 and v / r = 0."""
    sqrt_eps = math.sqrt(eps)
    m = torch.clamp(v.abs().amax(dim=dim, keepdim=True), min=sqrt_eps).detach()
    some = (m > 0).to(v.dtype)
    none = 1 - some
    s = some * torch.pow(2.0, torch.clamp(torch.floor(torch.log2(m + none)), min=-149.0))
    divisor = s + none
    u = v / divisor
    u2 = u * u
    q = (u2.mean(dim=dim, keepdim=True) if mean else u2.sum(dim=dim, keepdim=True)) + (sqrt_eps / divisor) ** 2 + none
    rho = torch.sqrt(q)
    return s * rho, some * (u / rho)
`;

/** The module class, after the generated tables. */
export const MODEL_CLASS = String.raw`def _rate_levels(taus, ratio):
    """Layers by time constant, cut wherever tau grows by at least ratio over the smallest of the
    current level; level 0 is the slowest (@hamux-ts/dynamics' rateLevels)."""
    levels, base = [], None
    for name, tau in sorted(taus.items(), key=lambda e: e[1]):
        if not levels or tau >= base * ratio:
            levels.append([])
            base = tau
        levels[-1].append(name)
    return levels[::-1]


def _level_schedule(count, inner):
    """The order in which levels step: before each step of level k the faster levels relax for
    inner steps each (@hamux-ts/dynamics' levelSchedule)."""
    def relax(k):
        return [] if k >= count else [s for _ in range(inner) for s in relax(k + 1) + [k]]
    return relax(1) + [0]


class HamuxModel(torch.nn.Module):
    """The exported graph: its parameters as nn.Parameters whose state_dict keys are hamux-ts's
    parameter paths (layers.<layer>.<param>, synapses.<synapse>.<param>); fixed parameters (a beta
    not marked learnable) have requires_grad=False. Every method takes states as a dict of tensors
    by layer name, each [B, *shape], and returns per-sample values, as hamux-ts's HAM does."""

    def __init__(self):
        super().__init__()
        self.layers = torch.nn.Module()
        self.synapses = torch.nn.Module()
        for container, entries in ((self.layers, LAYERS), (self.synapses, SYNAPSES)):
            for entry in entries:
                owner = torch.nn.Module()
                for name, (shape, learnable) in entry["params"].items():
                    owner.register_parameter(name, torch.nn.Parameter(torch.zeros(shape), requires_grad=learnable))
                # Names are hamux-ts's, which may hold dots or be a Module attribute ("training"),
                # so they are put in place directly: state_dict keys are then exactly the paths.
                container._modules[entry["name"]] = owner

    # ---- parameters and weights

    def _params(self, container, name):
        return dict(container._modules[name]._parameters)

    def hamux_parameters(self):
        """Every parameter by its hamux-ts path, in LAYERS and SYNAPSES order."""
        out = {}
        for group, container, entries in (("layers", self.layers, LAYERS), ("synapses", self.synapses, SYNAPSES)):
            for entry in entries:
                for pname, param in self._params(container, entry["name"]).items():
                    out[f"{group}.{entry['name']}.{pname}"] = param
        return out

    def load_weights(self, path):
        """Loads a safetensors file of hamux-ts parameters (saveParams, hamux export torch, save_weights):
        every parameter of the graph, with its shape, and nothing else."""
        tensors = load_safetensors(path)
        params = self.hamux_parameters()
        problems = [f"{k}: missing (expected shape {list(p.shape)})" for k, p in params.items() if k not in tensors]
        problems += [f"{k}: not a parameter of this graph" for k in tensors if k not in params]
        problems += [f"{k}: expected shape {list(p.shape)}, got {list(tensors[k].shape)}" for k, p in params.items() if k in tensors and tuple(tensors[k].shape) != tuple(p.shape)]
        if problems:
            raise ValueError(f"{path}: " + "; ".join(problems))
        with torch.no_grad():
            for k, p in params.items():
                p.copy_(tensors[k])
        return self

    def save_weights(self, path):
        """Writes every parameter as float32 safetensors under its hamux-ts path: what loadParams reads."""
        save_safetensors(path, self.hamux_parameters())

    # ---- states

    def check_states(self, xs):
        """Checks that xs has one tensor [B, *shape] per layer, with one batch size B; returns B."""
        problems, batch = [], None
        for entry in LAYERS:
            x = xs.get(entry["name"]) if isinstance(xs, dict) else None
            if x is None:
                problems.append(f"{entry['name']!r}: missing (expected [batch, {', '.join(map(str, entry['shape']))}])")
            elif tuple(x.shape[1:]) != entry["shape"] or x.dim() != len(entry["shape"]) + 1:
                problems.append(f"{entry['name']!r}: expected shape [batch, {', '.join(map(str, entry['shape']))}], got {list(x.shape)}")
            elif batch is None:
                batch = x.shape[0]
            elif x.shape[0] != batch:
                problems.append(f"{entry['name']!r}: batch size {x.shape[0]} differs from {batch}")
        unknown = [k for k in xs if k not in _LAYER_INDEX] if isinstance(xs, dict) else []
        problems += [f"{k!r}: not a layer of this graph" for k in unknown]
        if problems:
            raise ValueError("states: " + "; ".join(problems))
        return batch

    def zeros(self, batch):
        """Zero states for batch samples."""
        device = next(iter(self.parameters()), torch.zeros(())).device
        return {e["name"]: torch.zeros((batch,) + e["shape"], device=device) for e in LAYERS}

    # ---- energies and signals

    def activations(self, xs):
        """x_hat = grad L(x) of every layer, in closed form."""
        self.check_states(xs)
        return {e["name"]: e["activation"](xs[e["name"]], self._params(self.layers, e["name"])) for e in LAYERS}

    def _layer_energy(self, entry, x, xhat):
        """sum(x_hat * x) - L(x) per sample."""
        return _per_sample(xhat * x) - entry["lagrangian"](x, self._params(self.layers, entry["name"]))

    def _synapse_energy(self, entry, xhats):
        return entry["energy"]([xhats[n] for n in entry["connects"]], self._params(self.synapses, entry["name"]))

    def energy_tree(self, xs):
        """Every layer's and synapse's energy per sample, and their sum: {"layers": {...}, "synapses": {...}, "total": [B]}."""
        xhats = self.activations(xs)
        layers = {e["name"]: self._layer_energy(e, xs[e["name"]], xhats[e["name"]]) for e in LAYERS}
        synapses = {e["name"]: self._synapse_energy(e, xhats) for e in SYNAPSES}
        return {"layers": layers, "synapses": synapses, "total": sum(list(layers.values()) + list(synapses.values()))}

    def energy(self, xs, neuron_energy=True):
        """The total energy per sample, [B]; with neuron_energy=False the synapses' alone (the Energy Transformer's)."""
        tree = self.energy_tree(xs)
        if neuron_energy:
            return tree["total"]
        return sum(tree["synapses"].values(), torch.zeros_like(tree["total"]))

    def dEdxhat(self, xs, neuron_energy=True):
        """dE/dx_hat of every layer, with each x_hat independent of its x: x + sum of the synapses'
        dE_syn/dx_hat (autograd of their energies). Differentiable (create_graph) when grad mode is on."""
        create = torch.is_grad_enabled()
        with torch.enable_grad():
            xhats = self.activations(xs)
            leaves = {n: (h if h.requires_grad else h.detach().requires_grad_(True)) for n, h in xhats.items()}
            touched = [e["name"] for e in LAYERS if e["name"] in _CONNECTED]
            grads = {}
            if SYNAPSES:
                total = sum(self._synapse_energy(e, leaves).sum() for e in SYNAPSES)
                found = torch.autograd.grad(total, [leaves[n] for n in touched], create_graph=create, allow_unused=True)
                grads = {n: g for n, g in zip(touched, found) if g is not None}
        out = {}
        for e in LAYERS:
            n = e["name"]
            g = grads.get(n)
            if g is None:
                g = torch.zeros_like(xs[n])
            if not create:
                g = g.detach()
            out[n] = xs[n] + g if neuron_energy else g
        return out

    def update_signals(self, xs, neuron_energy=True):
        """-dE/dx_hat of every layer: what drives tau dx/dt."""
        return {n: -g for n, g in self.dEdxhat(xs, neuron_energy).items()}

    # ---- dynamics

    def _free_masks(self, clamp, xs, batch):
        """Per layer: None (free), "clamped" (held whole) or a 0/1 mask, 1 where the neuron may move
        (on the states' device, in their dtype)."""
        unknown = [k for k in clamp if k not in _LAYER_INDEX]
        if unknown:
            raise ValueError(f"clamp: not layers of this graph: {', '.join(map(repr, unknown))}")
        out = {}
        for e in LAYERS:
            c = clamp.get(e["name"])
            if c is None or c is False:
                out[e["name"]] = None
            elif c is True:
                out[e["name"]] = "clamped"
            else:
                device, dtype = xs[e["name"]].device, xs[e["name"]].dtype
                shape = tuple(c.shape)
                if shape != e["shape"] and shape != (batch,) + e["shape"]:
                    raise ValueError(f"clamp {e['name']!r}: a mask must have shape {list(e['shape'])} or [{batch}, {', '.join(map(str, e['shape']))}], got {list(shape)}")
                out[e["name"]] = 1 - (c != 0).to(device=device, dtype=dtype)
        return out

    def descend(self, xs, steps, dt=None, clamp=None, tau=None, neuron_energy=None, multirate=None, trajectory=False):
        """steps fixed Euler steps of tau_i dx_i/dt = -dE/dx_hat_i: x_i <- x_i - (dt / tau_i) * dE/dx_hat_i
        for the free neurons, as @hamux-ts/dynamics' descend does in mode "fixed" step for step while
        every sample is still descending (it stops a converged sample; this never does). clamp maps a
        layer to True (held whole) or to a mask, nonzero where a neuron is held ([*shape] or
        [B, *shape]); tau overrides time constants by layer; multirate is False, True or
        {"ratio": r, "innerSteps": k}. Defaults (None) are the config's: DESCEND_DEFAULTS.
        Differentiable through every step when grad mode is on. Returns the final states, or with
        trajectory=True the states before the first step and after each."""
        dt = DESCEND_DEFAULTS["dt"] if dt is None else dt
        clamp = DESCEND_DEFAULTS["clamp"] if clamp is None else clamp
        neuron_energy = DESCEND_DEFAULTS["neuron_energy"] if neuron_energy is None else neuron_energy
        multirate = DESCEND_DEFAULTS["multirate"] if multirate is None else multirate
        tau = tau or {}
        unknown = [k for k in tau if k not in _LAYER_INDEX]
        if unknown:
            raise ValueError(f"tau: not layers of this graph: {', '.join(map(repr, unknown))}")
        batch = self.check_states(xs)
        taus = {e["name"]: float(tau.get(e["name"], e["tau"])) for e in LAYERS}
        free = self._free_masks(clamp, xs, batch)
        moving = [e["name"] for e in LAYERS if free[e["name"]] != "clamped"]
        if multirate and moving:
            options = multirate if isinstance(multirate, dict) else {}
            levels = _rate_levels({n: taus[n] for n in moving}, options.get("ratio", 10))
            schedule = _level_schedule(len(levels), options.get("innerSteps", 3))
        else:
            levels, schedule = [moving], [0]
        tau_min = min((taus[n] for n in moving), default=1.0)
        level_dt = [dt * min((taus[n] for n in level), default=tau_min) / tau_min for level in levels]
        x = dict(xs)
        path = [x] if trajectory else None
        for k in range(steps):
            level = schedule[k % len(schedule)]
            g = self.dEdxhat(x, neuron_energy)
            movers = set(levels[level])
            nxt = {}
            for n, value in x.items():
                if n not in movers:
                    nxt[n] = value
                    continue
                signal = g[n] if free[n] is None else g[n] * free[n]
                nxt[n] = value - (level_dt[level] / taus[n]) * signal
            x = nxt
            if trajectory:
                path.append(x)
        return path if trajectory else x

    def forward(self, xs, steps, **options):
        """descend(xs, steps, **options): the call that DistributedDataParallel and FSDP wrap."""
        return self.descend(xs, steps, **options)


def load(weights=None):
    """The model with its weights: weights.safetensors beside this file unless another path is given."""
    path = weights if weights is not None else os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights.safetensors")
    return HamuxModel().load_weights(path)
`;
