"""The training examples' data pipeline and SGD, in Python, step for step as the C++ side.

Shared by tests/tools/make_training_cases.py (PyTorch's losses for the parity test) and
examples/training/torch_throughput.py (PyTorch's samples/s). Every choice mirrors a C++
header under examples/training/:
  dataset.hpp   sklearn's CSV files (header "n_samples,n_features,class names..." or none),
                split and standardisation (mean and population std of the training rows,
                computed in double, sequentially; a constant column divides by 1)
  random.hpp    splitmix64, its uniform doubles, Fisher-Yates permutations, weight init
  models.hpp    the models (sigmoid perceptrons, two layers) and their losses
Only the Python standard library, numpy and torch are used; the C++ side reads the same files.
"""
import gzip
import math

import numpy as np

DEBIAN_DATA_DIR = "/usr/lib/python3/dist-packages/sklearn/datasets/data"
MASK64 = (1 << 64) - 1


class SplitMix64:
    """Steele, Lea and Flood's splitmix64: the generator of examples/training/random.hpp."""

    def __init__(self, seed):
        self.state = seed & MASK64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def uniform(self):
        """A double in [0, 1): the top 53 bits times 2^-53."""
        return (self.next() >> 11) * (1.0 / 9007199254740992.0)


def permutation(n, rng):
    """Fisher-Yates from the last element down, j = next() mod (i + 1)."""
    p = list(range(n))
    for i in range(n - 1, 0, -1):
        j = rng.next() % (i + 1)
        p[i], p[j] = p[j], p[i]
    return p


def init_uniform(count, fan_in, rng):
    """count float32 values uniform in [-1/sqrt(fan_in), 1/sqrt(fan_in)), as torch.nn.Linear's default range."""
    bound = 1.0 / math.sqrt(fan_in)
    return np.array([(2.0 * rng.uniform() - 1.0) * bound for _ in range(count)], dtype=np.float32)


def load_csv(path, header):
    """Rows of features (float64) and integer labels (the last column) of an sklearn CSV file."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        lines = f.read().splitlines()
    if header:
        lines = lines[1:]
    values = np.array([[float(v) for v in line.split(",")] for line in lines if line], dtype=np.float64)
    return values[:, :-1], values[:, -1].astype(np.int64)


def split(n, test_fraction, seed):
    """(train, test) row indices: a permutation from splitmix64(seed), the first round(n * f) are the test rows."""
    p = permutation(n, SplitMix64(seed))
    n_test = int(round(n * test_fraction))
    return sorted(p[n_test:]), sorted(p[:n_test])


def standardise(features, train):
    """Features standardised with the training rows' mean and population std (float32 result)."""
    n_features = features.shape[1]
    mean, std = [0.0] * n_features, [1.0] * n_features
    for j in range(n_features):
        s = 0.0
        for i in train:
            s += features[i, j]
        m = s / len(train)
        v = 0.0
        for i in train:
            d = features[i, j] - m
            v += d * d
        sd = math.sqrt(v / len(train))
        mean[j], std[j] = m, (sd if sd > 0.0 else 1.0)
    out = np.empty(features.shape, dtype=np.float32)
    for j in range(n_features):
        out[:, j] = [(features[i, j] - mean[j]) / std[j] for i in range(features.shape[0])]
    return out


TEST_FRACTION = 0.2
SEED = 2026  # split: SEED, initial weights: SEED + 1, batch order: SEED + 2

# Each data set: its file, whether it has sklearn's count line, and the number of outputs K.
DATASETS = {
    "breast_cancer": ("breast_cancer.csv", True, 1),
    "digits": ("digits.csv.gz", False, 10),
}

# The examples' runs, as examples/training/configs.hpp: data set, loss, epochs, batch, lr,
# momentum, and the model's hidden units (models.hpp): 0 for the perceptron o = σ(x·wᵀ + b)
# (mse_loss, binary_cross_entropy), H for two layers z = relu(x·w1ᵀ + b1)·w2ᵀ + b2 (cross_entropy).
CONFIGS = {
    "breast_cancer_mse": ("breast_cancer", "mse_loss", 30, 32, 0.1, 0.0, 0),
    "breast_cancer_bce": ("breast_cancer", "binary_cross_entropy", 30, 32, 0.1, 0.0, 0),
    "digits_mse": ("digits", "mse_loss", 30, 32, 0.1, 0.9, 0),
    "digits_bce": ("digits", "binary_cross_entropy", 30, 32, 0.05, 0.9, 0),
    "digits_two_layer": ("digits", "cross_entropy", 30, 32, 0.01, 0.9, 64),
}


def targets(labels, outputs):
    """float32 targets: the 0/1 label for one output, one-hot rows for more."""
    t = np.zeros((len(labels), outputs), dtype=np.float32)
    if outputs == 1:
        t[:, 0] = labels
    else:
        t[np.arange(len(labels)), labels] = 1.0
    return t


def prepare(data_dir, dataset):
    """(x, t, labels, train, test) for a data set: standardised float32 x of every row, targets,
    labels, and the split's row indices, as make_problem() in examples/training/trainer.hpp."""
    file, header, outputs = DATASETS[dataset]
    features, labels = load_csv(f"{data_dir}/{file}", header)
    train, test = split(len(labels), TEST_FRACTION, SEED)
    return standardise(features, train), targets(labels, outputs), labels, train, test


def parameter_shapes(inputs, outputs, hidden):
    """(name, shape, fan_in) of each parameter, in the order of models.hpp's `parameters`:
    each layer's weights, then its biases (torch.nn.Linear's)."""
    if not hidden:
        return [("w", (outputs, inputs), inputs), ("b", (outputs,), inputs)]
    return [("w1", (hidden, inputs), inputs), ("b1", (hidden,), inputs),
            ("w2", (outputs, hidden), hidden), ("b2", (outputs,), hidden)]


def initial_parameters(inputs, outputs, hidden):
    """{name: float32 array} as sgd_stepper::initial(SEED + 1): the parameters in order, each
    uniform in ±1/sqrt(its layer's fan-in)."""
    rng = SplitMix64(SEED + 1)
    return {name: init_uniform(math.prod(shape), fan_in, rng).reshape(shape)
            for name, shape, fan_in in parameter_shapes(inputs, outputs, hidden)}


def targets_of(loss, t, labels):
    """What the loss compares with, as targets_of in trainer.hpp: class indices for cross_entropy, else t."""
    return labels if loss == "cross_entropy" else t


def epoch_batches(n_train, batch, epochs):
    """For each epoch, the mini-batches as lists of positions in the training rows, in the
    order train() in examples/training/trainer.hpp steps through them."""
    rng = SplitMix64(SEED + 2)
    for _ in range(epochs):
        p = permutation(n_train, rng)
        yield [p[s:s + batch] for s in range(0, n_train, batch)]


def torch_trainer(loss, lr, momentum, parameters):
    """PyTorch's side of sgd_stepper (examples/training/trainer.hpp): the parameters (copied from
    initial_parameters' dict), torch.optim.SGD, step(x, target) -> the mini-batch's loss before
    the update (a 0-d tensor), and logits(x): layers x·wᵀ + b, relu between them."""
    import torch
    import torch.nn.functional as F

    tensors = {name: torch.tensor(v, requires_grad=True) for name, v in parameters.items()}
    values = list(tensors.values())
    opt = torch.optim.SGD(values, lr=lr, momentum=momentum)
    layers = list(zip(values[0::2], values[1::2]))  # (weights, biases) of each layer

    def logits(x):
        for i, (w, b) in enumerate(layers):
            x = x @ w.t() + b
            if i + 1 < len(layers):
                x = torch.relu(x)
        return x

    def step(x, target):
        z = logits(x)
        if loss == "cross_entropy":
            value = F.cross_entropy(z, target)
        else:
            value = (F.mse_loss if loss == "mse_loss" else F.binary_cross_entropy)(torch.sigmoid(z), target)
        opt.zero_grad()
        value.backward()
        opt.step()
        return value.detach()

    return step, logits, tensors
