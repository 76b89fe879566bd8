#!/usr/bin/env python3
"""Builds the hamux-torch fixtures that packages/torch/test/import.test.ts imports.

Usage:
    python3 make-hamux-torch-fixtures.py --hamux-torch PATH/TO/hamux-torch [--out DIR] [--sizes small|full]

PATH is a checkout of https://github.com/bhoov/hamux-torch (the fixtures in the repository were
made from its commit 377c759). The models are built with hamux-torch's own classes, imported from
that checkout; nothing of hamux-torch is copied here. For each model the script writes

    NAME.safetensors   the model's `state_dict()` exactly as PyTorch gives it, alias keys included
                       (`hypersynapses.*` and `synapses.*`; `_ham.*` too for a vectorised HAM)
    NAME.json          fixed random states, and hamux-torch's activations, energies (one per
                       sample), energy trees (each neuron's and each connection's energy) and
                       update signals (`dEdact`, the gradient of the energy with respect to the
                       activations) on them, computed in float32

The mappings (NAME.mapping.json) that say what each model is in hamux-ts are written by hand beside
them; they are the worked examples of packages/torch/README.md.

Models:
    dense      a dense associative memory: visible (sigmoid, β = 1.5) and hidden (softmax, β = 3)
               joined by one LinearSynapse, 16 → 12 (the issue's 784 → 1000, smaller)
    hierarchy  three layers: input (tanh, β = 0.5), hidden (layer norm, γ = 1.5, δ = 0.1) and top
               (softmax, β = 2), joined by two LinearSynapses
    tied       five layers (identity, relu, repu n = 3, rexp β = 0.5, exp β = 0.5) in a chain, all
               four links one LinearSynapse: weight tying
    mnist      hamux-torch's MNIST example (example_mnist.ipynb): a spherical-norm input layer and
               the notebook's own DenseSynapseHid (ξ stored as W, column-normalised and transposed;
               β = 1 a Python attribute), 8×8 = 64 → 36 instead of 784 → 900; the class is taken
               from the notebook's cell, untrained weights

Only the standard library, numpy and torch are used; safetensors files are written by hand (the
format is an 8-byte little-endian header length, a JSON header and the raw bytes), so no pickle.

Torch 1.13 shim. hamux-torch pins torch 2.9. Debian 12's python3-torch is 1.13, which lacks three
things hamux-torch uses; `install_torch1_shim` supplies the smallest stand-ins, and only on torch < 2:
  1. `torch.func` (vmap, grad, grad_and_value) is torch 1.13's `functorch`, which has the same three;
  2. `torch.autograd.Function` subclasses written in the torch 2 style (a `forward` without `ctx`,
     with `setup_context`) cannot be applied in 1.13, and 1.13's functorch cannot transform custom
     Functions anyway. Their `apply` is replaced by their own `forward`, differentiated by autograd.
     The forward values are unchanged. LegendreTransform's custom backward differs from autograd's
     only in the gradient with respect to x, which hamux-torch never takes (dEdact differentiates
     the activations only); tanh's and sigmoid's custom backwards are the exact derivatives of
     their forwards (tanh(βx), σ(βx)), so gradients agree to rounding on moderate states;
  3. `jaxtyping` (only used in type annotations) is not in Debian: a stub whose `Float[T, "…"]` is T,
     installed whatever the torch version when jaxtyping cannot be imported.
"""

import argparse
import functools as ft
import json
import struct
import sys
import types
from pathlib import Path

import numpy as np
import torch


def install_jaxtyping_stub():
    try:
        import jaxtyping  # noqa: F401
    except ImportError:
        stub = types.ModuleType("jaxtyping")

        class Float:
            def __class_getitem__(cls, item):
                return item[0] if isinstance(item, tuple) else item

        stub.Float = Float
        sys.modules["jaxtyping"] = stub


def torch_major():
    return int(torch.__version__.split(".")[0])


def install_torch1_shim():
    """Before importing hamux_torch: `torch.func` from functorch (torch < 2 only)."""
    if torch_major() >= 2:
        return
    import functorch

    sys.modules["torch.func"] = functorch
    torch.func = functorch


def patch_custom_functions(hmx):
    """After importing hamux_torch: torch-2-style autograd Functions applied as their own forward (torch < 2 only)."""
    if torch_major() >= 2:
        return
    import hamux_torch.core as core
    import hamux_torch.lagrangians as lagrangians

    for cls in (core.LegendreTransform, lagrangians._LagrangianTanhFunction, lagrangians._LagrangianSigmoidFunction):
        cls.apply = staticmethod(cls.forward)


def load_hamux_torch(path):
    sys.path.insert(0, str(Path(path).resolve()))
    install_jaxtyping_stub()
    install_torch1_shim()
    import hamux_torch as hmx

    patch_custom_functions(hmx)
    return hmx


def notebook_class(path, name):
    """The class `name` defined in a code cell of hamux-torch's example notebook (read from the checkout, not copied)."""
    nb = json.loads((Path(path) / "example_mnist.ipynb").read_text())
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and f"class {name}" in source:
            scope = {"torch": torch, "nn": torch.nn}
            exec(compile(source, f"example_mnist.ipynb:{name}", "exec"), scope)
            return scope[name]
    raise SystemExit(f"no class {name} in {path}/example_mnist.ipynb")


# ------------------------------------------------------------------------------------------------
# Output


def write_safetensors(path, tensors):
    """A state dict as safetensors: every key its own float32 copy (aliases of one tensor included)."""
    header, chunks, offset = {}, [], 0
    for name in sorted(tensors):
        data = tensors[name].detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    Path(path).write_bytes(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def as_list(t):
    return t.detach().to(torch.float32).numpy().tolist()


def record(ham, name, out, batch=3, std=0.8, seed=0):
    """States drawn from a fixed seed and what the vectorised HAM computes on them, as JSON."""
    vham = ham.vectorize()
    generator = torch.Generator().manual_seed(seed)
    xs = {k: torch.randn((batch, *layer.shape), generator=generator) * std for k, layer in vham.neurons.items()}
    with torch.no_grad():
        xhats = vham.activations(xs)
    xhats = {k: v.detach() for k, v in xhats.items()}
    grads, energy = vham.dEdact(xhats, xs, return_energy=True)
    tree = vham.energy_tree(xhats, xs)
    fixture = {
        "model": name,
        "hamuxTorchCommit": "377c759",
        "torch": torch.__version__,
        "batch": batch,
        "states": {k: as_list(v) for k, v in xs.items()},
        "activations": {k: as_list(v) for k, v in xhats.items()},
        "energy": as_list(energy),
        "energyTree": {
            "neurons": {k: as_list(v) for k, v in tree["neurons"].items()},
            "connections": [as_list(v) for v in tree["connections"]],
        },
        "dEdact": {k: as_list(v) for k, v in grads.items()},
    }
    (Path(out) / f"{name}.json").write_text(json.dumps(fixture, indent=1) + "\n")


def save(model, name, out):
    """`model.state_dict()` as it is, aliases and all."""
    write_safetensors(Path(out) / f"{name}.safetensors", model.state_dict())


# ------------------------------------------------------------------------------------------------
# The models


# The layers' sizes: the committed fixtures' (small), or the (`--sizes full`, not committed).
SIZES = {
    "small": {"dense": (16, 12), "hierarchy": (12, 8, 6), "tied": 6, "mnist": (64, 36)},
    "full": {"dense": (784, 1000), "hierarchy": (784, 400, 10), "tied": 100, "mnist": (784, 900)},
}


def dense(hmx, sizes):
    v, h = sizes["dense"]
    neurons = {
        "visible": hmx.NeuronLayer(ft.partial(hmx.lagr_sigmoid, beta=1.5), (v,)),
        "hidden": hmx.NeuronLayer(ft.partial(hmx.lagr_softmax, beta=3.0), (h,)),
    }
    synapses = {"W": hmx.core.LinearSynapse(v, h)}
    with torch.no_grad():
        synapses["W"].W.mul_(10)  # 0.02·randn is too weak to matter next to the layers' own energies
    return hmx.HAM(neurons, synapses, [(("visible", "hidden"), "W")])


def hierarchy(hmx, sizes):
    a, b, c = sizes["hierarchy"]
    neurons = {
        "input": hmx.NeuronLayer(ft.partial(hmx.lagr_tanh, beta=0.5), (a,)),
        "hidden": hmx.NeuronLayer(ft.partial(hmx.lagr_layernorm, gamma=1.5, delta=0.1), (b,)),
        "top": hmx.NeuronLayer(ft.partial(hmx.lagr_softmax, beta=2.0), (c,)),
    }
    synapses = {"s1": hmx.core.LinearSynapse(a, b), "s2": hmx.core.LinearSynapse(b, c)}
    with torch.no_grad():
        for s in synapses.values():
            s.W.mul_(20)
    return hmx.HAM(neurons, synapses, [(("input", "hidden"), "s1"), (("hidden", "top"), "s2")])


def tied(hmx, sizes):
    n = sizes["tied"]
    neurons = {
        "a": hmx.NeuronLayer(hmx.IdentityLagrangian(), (n,)),
        "b": hmx.NeuronLayer(hmx.lagr_relu, (n,)),
        "c": hmx.NeuronLayer(ft.partial(hmx.lagr_repu, n=3), (n,)),
        "d": hmx.NeuronLayer(ft.partial(hmx.lagr_rexp, beta=0.5), (n,)),
        "e": hmx.NeuronLayer(ft.partial(hmx.lagr_exp, beta=0.5), (n,)),
    }
    synapses = {"shared": hmx.core.LinearSynapse(n, n)}
    with torch.no_grad():
        synapses["shared"].W.mul_(20)
    links = [(("a", "b"), "shared"), (("b", "c"), "shared"), (("c", "d"), "shared"), (("d", "e"), "shared")]
    return hmx.HAM(neurons, synapses, links)


def mnist(hmx, path, sizes):
    d, k = sizes["mnist"]
    DenseSynapseHid = notebook_class(path, "DenseSynapseHid")
    neurons = {"input": hmx.NeuronLayer(hmx.lagr_spherical_norm, (d,))}
    synapses = {"s1": DenseSynapseHid(d, k)}
    return hmx.HAM(neurons, synapses, [(["input"], "s1")])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hamux-torch", required=True, help="path to a checkout of bhoov/hamux-torch")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "test" / "fixtures"))
    parser.add_argument("--sizes", choices=sorted(SIZES), default="small", help="small (the committed fixtures) or full (the issue's 784 → 1000 and 784 → 900; megabytes)")
    args = parser.parse_args()
    sizes = SIZES[args.sizes]
    hmx = load_hamux_torch(args.hamux_torch)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(42)
    models = {
        "dense": (dense(hmx, sizes), False),
        "hierarchy": (hierarchy(hmx, sizes), False),
        "tied": (tied(hmx, sizes), False),
        # As the notebook does it: `HAM(...).vectorize()`, whose state dict adds the `_ham.*` aliases.
        "mnist": (mnist(hmx, args.hamux_torch, sizes), True),
    }
    for i, (name, (ham, vectorized)) in enumerate(models.items()):
        save(ham.vectorize() if vectorized else ham, name, out)
        record(ham, name, out, seed=i)
        print(f"{name}: {sorted(ham.vectorize().state_dict().keys() if vectorized else ham.state_dict().keys())}")


if __name__ == "__main__":
    main()
