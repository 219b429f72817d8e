#!/usr/bin/env python3
"""PyTorch's training throughput on the training examples' runs, for docs/training.md.

Usage (from the repository root; /usr/bin/python3 has Debian's python3-torch):
    /usr/bin/python3 examples/training/torch_throughput.py [DATA_DIR] [--epochs N]
DATA_DIR holds breast_cancer.csv and digits.csv.gz (default: Debian's python3-sklearn location).

Each run of examples/train_breast_cancer.cpp and examples/train_digits.cpp (CONFIGS in
training_common.py) is trained the same way in PyTorch, on one thread
(torch.set_num_threads(1)): the same standardised float32 rows, initial weights and batch
order, and per mini-batch the same work as the C++ examples time -- gather the rows
(x[idx]), forward, loss, backward, torch.optim.SGD's step. The two-layer run is the same model
written in PyTorch: relu(x @ w1.t() + b1) @ w2.t() + b2 and F.cross_entropy. The batch orders
are drawn before the clock starts (the C++ examples draw each epoch's permutation before
timing it too).
Prints, per run, the last epoch's loss, the held-out accuracy and the samples per second over
all epochs.
"""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import training_common as tc  # noqa: E402


def accuracy(logits, x, labels):
    with torch.no_grad():
        z = logits(x)
        predicted = (z[:, 0] > 0).long() if z.shape[1] == 1 else z.argmax(1)
    return float((predicted.numpy() == labels).mean())


def run(name, data, epochs_override):
    dataset, loss, epochs, batch, lr, momentum, hidden = tc.CONFIGS[name]
    epochs = epochs_override or epochs
    x, t, labels, train, test = data[dataset]
    xt, tt = torch.from_numpy(x[train]), torch.from_numpy(tc.targets_of(loss, t, labels)[train])
    initial = tc.initial_parameters(x.shape[1], t.shape[1], hidden)
    step, logits, _parameters = tc.torch_trainer(loss, lr, momentum, initial)
    n = len(train)
    orders = [torch.tensor(sum(e, []), dtype=torch.long) for e in tc.epoch_batches(n, batch, epochs)]
    start = time.perf_counter()
    for order in orders:
        loss_sum = 0.0  # the epoch's mean mini-batch loss, weighted by batch size, as the C++ examples print
        for s in range(0, n, batch):
            idx = order[s:s + batch]
            loss_sum += float(step(xt[idx], tt[idx])) * len(idx)
    seconds = time.perf_counter() - start
    acc = accuracy(logits, torch.from_numpy(x[test]), labels[test])
    print(f"{name:18s}  {epochs} epochs x {n} samples  last epoch's loss {loss_sum / n:.6f}  "
          f"held-out accuracy {100 * acc:6.2f} %  {n * epochs / seconds:10.0f} samples/s", flush=True)


def main():
    args = sys.argv[1:]
    epochs = None
    if "--epochs" in args:
        i = args.index("--epochs")
        epochs = int(args[i + 1])
        del args[i:i + 2]
    data_dir = args[0] if args else tc.DEBIAN_DATA_DIR
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread")
    data = {name: tc.prepare(data_dir, name) for name in tc.DATASETS}
    for name in tc.CONFIGS:
        run(name, data, epochs)


if __name__ == "__main__":
    main()
