"""Drives an exported model for export.test.ts: evaluates it on the states the test wrote, descends,
takes one SGD step through an unrolled descent, and writes every result as safetensors with the
model's own writer. Usage: python3 export-driver.py JOB.json"""
import importlib.util
import json
import math
import sys

import torch

job = json.load(open(sys.argv[1]))
spec = importlib.util.spec_from_file_location("exported_model", job["model"])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)

model = mod.load(job["weights"])
given = mod.load_safetensors(job["states"])
names = [e["name"] for e in mod.LAYERS]
xs = {n: given["state." + n] for n in names}
out = {}


def clamp_of(case):
    clamp = {n: True for n in case["clampWhole"]}
    clamp.update({n: given["mask." + n] for n in case["clampMasks"]})
    return clamp


# Evaluation, under no_grad: the signals must come out all the same.
with torch.no_grad():
    tree = model.energy_tree(xs)
    out["energy"] = model.energy(xs)
    out["energy.synapses"] = model.energy(xs, neuron_energy=False)
    out["tree.total"] = tree["total"]
    for group in ("layers", "synapses"):
        for n, t in tree[group].items():
            out[f"tree.{group}.{n}"] = t
    for n, t in model.activations(xs).items():
        out["activation." + n] = t
    for n, t in model.update_signals(xs).items():
        out["signal." + n] = t
    for n, t in model.update_signals(xs, neuron_energy=False).items():
        out["signal.synapses." + n] = t
    for c, case in enumerate(job["descents"]):
        path = model.descend(xs, case["steps"], dt=case["dt"], clamp=clamp_of(case), tau=case.get("tau"),
                             neuron_energy=case["neuronEnergy"], multirate=case["multirate"], trajectory=True)
        for k, x in enumerate(path):
            for n in names:
                out[f"descend.{c}.{k}.{n}"] = x[n]

# One training step: SGD on the distance of the unrolled states to targets, through every step.
train = job["train"]
learnable = [p for p in model.parameters() if p.requires_grad]
optimiser = torch.optim.SGD(learnable, lr=train["lr"])
optimiser.zero_grad()
final = model(xs, train["steps"], dt=train["dt"], clamp=clamp_of(train))  # forward: descend
loss = sum(((final[n] - given["target." + n]) ** 2).mean() for n in names)
loss.backward()
grads = {k: (None if p.grad is None else float(p.grad.abs().max())) for k, p in model.hamux_parameters().items() if p.requires_grad}
optimiser.step()
model.save_weights(job["trained"])
with torch.no_grad():
    tree = model.energy_tree(xs)
    out["trained.total"] = tree["total"]
    for group in ("layers", "synapses"):
        for n, t in tree[group].items():
            out[f"trained.{group}.{n}"] = t

mod.save_safetensors(job["out"], out)
print(json.dumps({"loss": float(loss), "grads": grads, "finite": all(g is not None and math.isfinite(g) for g in grads.values())}))
