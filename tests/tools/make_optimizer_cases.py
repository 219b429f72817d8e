#!/usr/bin/env python3
"""torch.optim's SGD, Adam and AdamW over 100 steps, for tests/unit/test_optimizers.cpp.

Usage (from the repository root; /usr/bin/python3 is the interpreter with Debian's python3-torch):
    /usr/bin/python3 tests/tools/make_optimizer_cases.py [OUT]
OUT defaults to tests/data/optimizer_cases.json. Reproducible byte for byte.

Each case is one optimizer (torch.optim.SGD, Adam or AdamW with the given keyword arguments,
foreach=False: the single-tensor implementation) over one list of parameters, in float32 or
float64, stepped 100 times with gradients that do not depend on the parameters.

The initial parameters and every gradient come from splitmix64 (examples/training/random.hpp)
seeded with the case's "seed", drawn in this order: the initial values of each parameter in
turn, then for step 1, 2, ..., 100 the gradient of each parameter in turn. One number is
    m · 2^(e − 23),  m = (r >> 40) − 2^23 (a 24-bit integer),  e = ((r >> 8) & 7) − 5
for the next 64 random bits r: magnitudes from 2^-28 to 4, exact in float32 and float64, so both
precisions start from the same numbers and the C++ test regenerates them exactly. (Storing them
would take ~30 MB.) "check" holds the first values of the stream, for the test to verify its
generator.

Stored results, at the indices "sample" of each parameter (every index of a parameter of at most
64 elements; otherwise every 61st and the last 20, which cover the partial last SIMD vector):
the parameters after steps 1, 10 and 100, and after step 100 the optimizer's state
(momentum_buffer; exp_avg, exp_avg_sq, and max_exp_avg_sq with amsgrad).
"""
import json
import os
import sys

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "examples", "training"))
from training_common import SplitMix64  # noqa: E402  (the generator of examples/training/random.hpp)

STEPS = 100
CHECKPOINTS = [1, 10, 100]

# name, optimizer, keyword arguments (besides the parameters)
CONFIGS = [
    ("sgd_plain", "sgd", {"lr": 0.1}),
    ("sgd_momentum_dampening", "sgd", {"lr": 0.05, "momentum": 0.9, "dampening": 0.1}),
    ("sgd_nesterov", "sgd", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("sgd_weight_decay", "sgd", {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.01}),
    ("sgd_maximize", "sgd", {"lr": 0.01, "momentum": 0.9, "maximize": True}),
    ("adam_default", "adam", {}),
    ("adam_weight_decay", "adam", {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.1}),
    ("adam_amsgrad", "adam", {"lr": 0.01, "amsgrad": True}),
    ("adam_maximize_eps", "adam", {"lr": 0.002, "eps": 1e-3, "maximize": True}),
    ("adamw_default", "adamw", {}),
    ("adamw_amsgrad", "adamw", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
]
# one parameter of 33 elements; and w (10×783), b (10) with a 7-element one before them
LAYOUTS = [("single", [33]), ("three", [7, 7830, 10])]
DTYPES = [("float32", torch.float32), ("float64", torch.float64)]
CLASSES = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}
STATE_NAMES = {"sgd": ["momentum_buffer"], "adam": ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"]}


def case_value(rng):
    """The next number of a case: m · 2^(e − 23) from the next 64 random bits."""
    r = rng.next()
    m = (r >> 40) - (1 << 23)
    e = ((r >> 8) & 7) - 5
    return float(m) * 2.0 ** (e - 23)


def case_values(rng, n):
    return np.array([case_value(rng) for _ in range(n)], dtype=np.float64)


def sample_indices(n):
    if n <= 64:
        return list(range(n))
    return sorted(set(range(0, n, 61)) | set(range(n - 20, n)))


def decimal(values, dtype):
    """The shortest decimals that read back to the same values of dtype."""
    np_type = np.float32 if dtype == torch.float32 else np.float64
    return [float(np.format_float_positional(np_type(v), unique=True, trim="-")) for v in values]


def run_case(index, name, kind, kwargs, layout, sizes, dtype_name, dtype):
    seed = 0x0F7E0000 + index
    rng = SplitMix64(seed)
    initial = [case_values(rng, n) for n in sizes]
    params = [torch.tensor(v, dtype=dtype).requires_grad_() for v in initial]
    optimizer = CLASSES[kind](params, foreach=False, **kwargs)
    samples = [sample_indices(n) for n in sizes]
    snapshots = {}
    first_grads = None
    for step in range(1, STEPS + 1):
        grads = [case_values(rng, n) for n in sizes]
        if step == 1:
            first_grads = grads[0][:4]
        for p, g in zip(params, grads):
            p.grad = torch.tensor(g, dtype=dtype)
        optimizer.step()
        if step in CHECKPOINTS:
            snapshots[str(step)] = [decimal(p.detach().numpy()[s], dtype) for p, s in zip(params, samples)]
    state = {}
    names = STATE_NAMES["sgd" if kind == "sgd" else "adam"]
    for key in names:
        if key == "max_exp_avg_sq" and not kwargs.get("amsgrad", False):
            continue
        if key == "momentum_buffer" and kwargs.get("momentum", 0) == 0:
            continue
        state[key] = [decimal(optimizer.state[p][key].numpy()[s], dtype) for p, s in zip(params, samples)]
    steps_taken = [float(optimizer.state[p]["step"]) for p in params] if kind != "sgd" else None
    options = dict(kwargs)
    if "betas" in options:
        options["betas"] = list(options["betas"])
    return {
        "name": f"{name}_{layout}_{dtype_name}",
        "optimizer": kind,
        "options": options,
        "dtype": dtype_name,
        "sizes": sizes,
        "seed": seed,
        "check": {"initial": initial[0][:4].tolist(), "grad_step1": first_grads.tolist()},
        "sample": samples,
        "params": snapshots,
        "state": state,
        "state_steps": steps_taken,
    }


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "data", "optimizer_cases.json")
    torch.set_num_threads(1)
    cases = []
    index = 0
    for name, kind, kwargs in CONFIGS:
        for layout, sizes in LAYOUTS:
            for dtype_name, dtype in DTYPES:
                cases.append(run_case(index, name, kind, kwargs, layout, sizes, dtype_name, dtype))
                index += 1
    doc = {
        "generator": "tests/tools/make_optimizer_cases.py",
        "torch": torch.__version__,
        "steps": STEPS,
        "checkpoints": CHECKPOINTS,
        "cases": cases,
    }
    with open(out, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
