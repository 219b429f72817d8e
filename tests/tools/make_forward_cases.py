#!/usr/bin/python3
"""Golden cases for the forward pass, value(e), and argmax: what PyTorch's forward computes.

Usage: /usr/bin/python3 make_forward_cases.py OUT.json SEED   (needs Debian python3-torch)
The stored tests/data/forward_cases.json is seed 2031:
    /usr/bin/python3 tests/tools/make_forward_cases.py tests/data/forward_cases.json 2031
reproduces it byte for byte. Format: tests/data/README.md, "Forward cases".

Models, x: B x N, w1: H x N, b1: H, w2: K x H, b2: K, class indices y: B:
  perceptron     o = torch.sigmoid(x @ w1.t() + b1)                     (H outputs)
  hidden_tanh    h = torch.tanh(x @ w1.t() + b1)                        (the hidden layer)
  logits_tanh    z = torch.tanh(x @ w1.t() + b1) @ w2.t() + b2
  logits_relu    z = torch.relu(x @ w1.t() + b1) @ w2.t() + b2
  per_sample_ce  F.cross_entropy(logits_tanh, y, reduction='none')       ([B])
and for every model with a class axis, "argmax": torch.argmax(out, dim=1) (ties: the first).
Sizes (B, N, H, K): (0, 3, 4, 2), (1, 1, 1, 1), (1, 10, 4, 3), (5, 7, 9, 3), (33, 17, 19, 5) for every
model, precisions alternating; and (257, 31, 13, 10) for logits_tanh in float32 and per_sample_ce in float64.
Checked here: every value finite; each argmax row's best value beats the runner-up by at least
1e-4 of its magnitude, so that rounding in float32 cannot change the predicted class.
"""
import json, math, sys
import torch
import torch.nn.functional as F

F32, F64 = torch.float32, torch.float64
SIZES = [(0, 3, 4, 2), (1, 1, 1, 1), (1, 10, 4, 3), (5, 7, 9, 3), (33, 17, 19, 5)]
LARGE = (257, 31, 13, 10)
MODELS = ["perceptron", "hidden_tanh", "logits_tanh", "logits_relu", "per_sample_ce"]


def flat(v):
    return [float(a) for a in v.detach().reshape(-1).tolist()]


def forward(model, x, w1, b1, w2, b2, y):
    z1 = x @ w1.t() + b1
    if model == "perceptron":
        return torch.sigmoid(z1)
    if model == "hidden_tanh":
        return torch.tanh(z1)
    z = (torch.tanh(z1) if model != "logits_relu" else torch.relu(z1)) @ w2.t() + b2
    return F.cross_entropy(z, y, reduction="none") if model == "per_sample_ce" else z


def clear_margins(out):
    """Every row's largest value is ahead of the next by 1e-4 of its magnitude (or the row has one value)."""
    if out.dim() < 2 or out.shape[1] < 2 or out.shape[0] == 0:
        return True
    top = out.double().topk(2, dim=1).values
    return bool(((top[:, 0] - top[:, 1]) > 1e-4 * top[:, 0].abs().clamp(min=1.0)).all())


def case(name, dtype, sizes, model, gen):
    B, N, H, K = sizes
    for attempt in range(100):  # redraw until no argmax is within rounding of a tie
        r = lambda *shape: torch.randn(*shape, generator=gen, dtype=F64)
        x, w1, b1 = r(B, N), r(H, N) / math.sqrt(N), r(H) * 0.1
        w2, b2 = r(K, H) / math.sqrt(H), r(K) * 0.1
        y = torch.randint(0, K, (B,), generator=gen)
        x, w1, b1, w2, b2 = (v.to(dtype) for v in (x, w1, b1, w2, b2))
        out = forward(model, x, w1, b1, w2, b2, y)
        if clear_margins(out):
            break
    else:
        raise ValueError("%s: no draw without a near tie" % name)
    values = flat(out)
    assert all(math.isfinite(v) for v in values), name
    c = dict(name=name, dtype="float32" if dtype == F32 else "float64", model=model, B=B, N=N, H=H, K=K,
             x=flat(x), w1=flat(w1), b1=flat(b1), w2=flat(w2), b2=flat(b2), y=[int(v) for v in y.tolist()],
             out=values)
    c["argmax"] = [int(v) for v in torch.argmax(out, dim=1).tolist()] if out.dim() == 2 and B > 0 else None
    if out.dim() == 2 and B == 0:
        c["argmax"] = []
    return c


def main():
    path, seed = sys.argv[1], int(sys.argv[2])
    gen = torch.Generator().manual_seed(seed)
    cs = []
    for i, model in enumerate(MODELS):
        for j, sizes in enumerate(SIZES):
            dtype = (F32, F64)[(i + j) % 2]
            B, N, H, K = sizes
            cs.append(case("%s_B%d_N%d_H%d_K%d_%s" % (model, B, N, H, K, "f32" if dtype == F32 else "f64"), dtype,
                           sizes, model, gen))
    # The large size twice (several tiles of rows; the file stays small), one per precision.
    for model, dtype in (("logits_tanh", F32), ("per_sample_ce", F64)):
        B, N, H, K = LARGE
        cs.append(case("large_%s_B%d_N%d_H%d_K%d_%s" % (model, B, N, H, K, "f32" if dtype == F32 else "f64"), dtype,
                       LARGE, model, gen))
    names = [c["name"] for c in cs]
    assert len(names) == len(set(names)), "case names must be unique"
    json.dump(dict(generator="PyTorch %s forward" % torch.__version__, seed=seed, cases=cs), open(path, "w"),
              indent=1)
    print("wrote", len(cs), "cases to", path)


main()
