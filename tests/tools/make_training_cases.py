#!/usr/bin/env python3
"""PyTorch's first 100 SGD steps of each training example, for tests/unit/test_training_parity.cpp.

Usage (from the repository root; /usr/bin/python3 is the interpreter with Debian's python3-torch):
    /usr/bin/python3 tests/tools/make_training_cases.py [DATA_DIR] [OUT]
DATA_DIR holds scikit-learn's breast_cancer.csv and digits.csv.gz (default: Debian's
python3-sklearn location); OUT defaults to tests/data/training_cases.json.

For each run of examples/train_breast_cancer.cpp and examples/train_digits.cpp (CONFIGS in
examples/training/training_common.py, the same as examples/training/configs.hpp) it rebuilds
what the example trains on -- the fixed-seed split, the standardised float32 rows, the
initial parameters and the batch order, all from splitmix64 -- and records, in float32, the
loss PyTorch computes at each of the first 100 SGD steps and the parameters after them.
The one-layer runs (o = σ(x·wᵀ + b), mse_loss or binary_cross_entropy on one-hot targets)
store w and b as w0, b0, w_final, b_final; the two-layer run (z = relu(x·w1ᵀ + b1)·w2ᵀ + b2,
cross_entropy on the class indices) stores w10, b10, w20, b20 and w1_final ... b2_final.
The json embeds the standardised training rows, so the test needs no data file. Format:
tests/data/README.md. Reproducible byte for byte.
"""
import json
import os
import sys

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "examples", "training"))
import training_common as tc  # noqa: E402

STEPS = 100


def f32(values):
    """float32 values as the shortest decimal strings that read back to the same float32."""
    return [float(np.format_float_positional(np.float32(v), unique=True, trim="-")) for v in np.ravel(values)]


def dataset_entry(data_dir, name):
    x, t, labels, train, _test = tc.prepare(data_dir, name)
    file, header, outputs = tc.DATASETS[name]
    return {
        "file": file,
        "header": header,
        "seed": tc.SEED,
        "test_fraction": tc.TEST_FRACTION,
        "N": int(x.shape[1]),
        "K": outputs,
        "rows": len(train),
        "file_rows": train,
        "x": f32(x[train]),
        "t": [int(v) for v in np.ravel(t[train])],
    }, x[train], t[train], labels[train]


def case(name, x, t, labels):
    dataset, loss, _epochs, batch, lr, momentum, hidden = tc.CONFIGS[name]
    n, inputs = x.shape
    outputs = t.shape[1]
    initial = tc.initial_parameters(inputs, outputs, hidden)
    step, _logits, parameters = tc.torch_trainer(loss, lr, momentum, initial)
    xt, tt = torch.from_numpy(x), torch.from_numpy(tc.targets_of(loss, t, labels))
    batches, losses = [], []
    for epoch in tc.epoch_batches(n, batch, STEPS):  # more epochs than needed: stop at STEPS
        for rows in epoch:
            if len(batches) == STEPS:
                break
            idx = torch.tensor(rows, dtype=torch.long)
            losses.append(step(xt[idx], tt[idx]).item())
            batches.append(rows)
        if len(batches) == STEPS:
            break
    entry = {"name": name, "dataset": dataset, "loss": loss, "batch": batch, "lr": lr, "momentum": momentum}
    if hidden:
        entry.update({"hidden": hidden, "activation": "relu"})
    entry.update({p + "0": f32(v) for p, v in initial.items()})
    entry.update({"batches": batches, "losses": f32(losses)})
    entry.update({p + "_final": f32(v.detach().numpy()) for p, v in parameters.items()})
    return entry


def main():
    data_dir = sys.argv[1] if len(sys.argv) > 1 else tc.DEBIAN_DATA_DIR
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "tests", "data", "training_cases.json")
    torch.set_num_threads(1)
    doc = {"generator": "tests/tools/make_training_cases.py", "torch": torch.__version__, "steps": STEPS,
           "datasets": {}, "cases": []}
    rows = {}
    for name in tc.DATASETS:
        doc["datasets"][name], x, t, labels = dataset_entry(data_dir, name)
        rows[name] = (x, t, labels)
    for name, config in tc.CONFIGS.items():
        doc["cases"].append(case(name, *rows[config[0]]))
    with open(out, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"{out}: {len(doc['cases'])} cases of {STEPS} steps, {os.path.getsize(out)} bytes")


if __name__ == "__main__":
    main()
