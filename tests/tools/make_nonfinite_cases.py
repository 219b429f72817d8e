#!/usr/bin/python3
"""NaN and infinity in the inputs: what PyTorch computes. The golden cases of
tests/unit/test_nonfinite.cpp and of `pytorch_parity --check tests/data/nonfinite_cases.json`.

Usage (from the repository root; /usr/bin/python3 is Debian's interpreter, with python3-torch):

    /usr/bin/python3 tests/tools/make_nonfinite_cases.py tests/data/nonfinite_cases.json

Each case is a perceptron case (tests/data/README.md): o = torch.sigmoid(x @ w.t() + b),
loss F.mse_loss(o, t) ("loss": "mse_mean", "bias": true, "target": "given"), B = 3, N = 4,
K = 2, with one input made non-finite: a NaN in x, +inf in x, -inf in x, a NaN in w, +inf in
t; each in float32 and float64. Non-finite numbers are written as the strings "nan", "inf",
"-inf" (JSON has none). The output is reproducible byte for byte (torch.manual_seed(7)).
"""
import json, math, sys
import torch
import torch.nn.functional as F


def enc(v):
    v = float(v)
    if math.isnan(v): return "nan"
    if math.isinf(v): return "inf" if v > 0 else "-inf"
    return v


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    torch.manual_seed(7)
    cases = []
    for name, where, val in [("nan_in_x", (0, 1), float("nan")), ("inf_in_x", (1, 2), float("inf")),
                             ("neg_inf_in_x", (2, 0), float("-inf")), ("nan_in_w", None, float("nan")),
                             ("inf_in_t", "t", float("inf"))]:
        for dtype in (torch.float32, torch.float64):
            B, N, K = 3, 4, 2
            x = torch.randn(B, N, dtype=torch.float64).to(dtype)
            w = torch.randn(K, N, dtype=torch.float64).to(dtype)
            b = (torch.randn(K, dtype=torch.float64) * 0.1).to(dtype)
            t = torch.rand(B, K, dtype=torch.float64).to(dtype)
            if where == "t": t[0, 1] = val
            elif where is None: w[1, 3] = val
            else: x[where] = val
            x.requires_grad_(True); w.requires_grad_(True); b.requires_grad_(True)
            o = torch.sigmoid(x @ w.t() + b)
            L = F.mse_loss(o, t)
            L.backward()
            fl = lambda a: [enc(v) for v in a.detach().reshape(-1).tolist()]
            cases.append(dict(name=name, dtype=str(dtype).replace("torch.", ""), B=B, N=N, K=K, loss="mse_mean",
                              bias=True, target="given", x=fl(x), w=fl(w), b=fl(b), t=fl(t), loss_value=enc(L),
                              grad_w=fl(w.grad), grad_b=fl(b.grad), grad_x=fl(x.grad)))
    with open(sys.argv[1], "w") as out:
        json.dump(dict(generator="PyTorch %s, tests/tools/make_nonfinite_cases.py" % torch.__version__, cases=cases),
                  out, indent=1)
    print(len(cases))


main()
