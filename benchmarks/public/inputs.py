"""The Python reader of the folder a benchmark's parent writes (inputs.ts): raw float32 arrays
`<name>.bin`, listed with their shapes in `manifest.json` (`arrays`), and each relaxation case's
settings and layers (`relax`). NumPy only, so that any Python side (PyTorch, JAX) can use it."""
import json
import os

import numpy as np


class Inputs:
    """The arrays and manifest a benchmark's parent wrote into `folder`."""

    def __init__(self, folder):
        self.folder = folder
        with open(os.path.join(folder, "manifest.json")) as f:
            self.manifest = json.load(f)

    def array(self, name):
        """Array `name` as a float32 NumPy array of its shape (a copy: writable, owned); flat when
        the manifest does not list it (what `put` wrote)."""
        shape = self.manifest["arrays"].get(name, [-1])
        return np.fromfile(os.path.join(self.folder, name + ".bin"), dtype=np.float32).reshape(shape).copy()

    def scalar(self, name):
        return float(self.array(name).reshape(-1)[0])

    def case(self, cid):
        """Case `cid`'s manifest entry: batch, dt, neuronEnergy, clamp, layers (shape, tau, kind, options)."""
        return self.manifest["relax"][cid]

    def start_arrays(self, cid):
        """Case `cid`'s start states, by layer."""
        return {n: self.array(f"{cid}.state.{n}") for n in self.case(cid)["layers"]}

    def put(self, name, values):
        """Writes `<folder>/<name>.bin` (float32), for another side to read."""
        np.ascontiguousarray(values, dtype=np.float32).tofile(os.path.join(self.folder, name + ".bin"))
