#!/usr/bin/python3
"""The empty batch (B = 0), as PyTorch computes it: the golden cases of tests/unit/test_empty_batch.cpp.

Usage (from the repository root; /usr/bin/python3 is Debian's interpreter, with python3-torch):

    /usr/bin/python3 tests/tools/make_empty_batch_cases.py tests/data/empty_batch_cases.json

A batch of no samples is legal in PyTorch and in ctgrad. A mean over no elements is 0/0, NaN;
a sum over no elements is 0. Every gradient with respect to w and b is a sum over the (empty)
batch, so it is exactly zero whatever the loss value is, and x.grad has no elements at all.
Which of these PyTorch really returns is what this file records, for ctgrad to match:

  lecture_1, lecture_2   the lecture's sessions with B = 0: o = torch.sigmoid(x@w.t()),
                         loss = F.mse_loss(torch.ones(1,1), o), N = 10, K = 1 and K = 2
  bias_<loss>            o = torch.sigmoid(x@w.t() + b) against a given t (B x K), N = 4, K = 3,
                         loss one of
                           mse_mean          F.mse_loss(o, t)                        (mean)
                           mse_sum           F.mse_loss(o, t, reduction="sum")
                           half_sse          0.5 * ((o - t) ** 2).sum()              (the lecture's E)
                           bce_mean          F.binary_cross_entropy(o, t)
                           bce_logits_mean   F.binary_cross_entropy_with_logits(z, t), z = x@w.t() + b

each in float32 and float64. No randomness is needed for w and b (their values cannot matter:
there is no sample to use them), but they are drawn from a fixed seed anyway, so that a wrong
implementation cannot pass by reading zeros. Fields as tests/data/perceptron_cases.json
(tests/data/README.md), t null for the "ones" target; a NaN is written as the string "nan"
(JSON has no NaN), zeros are written as 0.0 or -0.0 as PyTorch gives them.
The output is reproducible byte for byte.
"""
import json
import math
import sys
import warnings

import torch
import torch.nn.functional as F

LOSSES = ("mse_mean", "mse_sum", "half_sse", "bce_mean", "bce_logits_mean")


def enc(v):
    """A float for JSON: NaN as the string "nan" (B = 0 makes no infinities)."""
    v = float(v)
    return "nan" if math.isnan(v) else v


def flat(t):
    return [enc(v) for v in t.detach().reshape(-1).tolist()]


def case(name, dtype, N, K, loss, bias, gen):
    B = 0
    x = torch.randn(B, N, generator=gen, dtype=torch.float64).to(dtype).requires_grad_(True)
    w = torch.randn(K, N, generator=gen, dtype=torch.float64).to(dtype).requires_grad_(True)
    b = (torch.randn(K, generator=gen, dtype=torch.float64) * 0.1).to(dtype).requires_grad_(True) if bias else None
    t = None if name.startswith("lecture") else torch.rand(B, K, generator=gen, dtype=torch.float64).to(dtype)
    z = x @ w.t() + (b if bias else 0)
    o = torch.sigmoid(z)
    with warnings.catch_warnings():  # "Using a target size that is different to the input size"
        warnings.simplefilter("ignore")
        if t is None:  # the lecture's call, exactly
            L = F.mse_loss(torch.ones(1, 1, dtype=dtype), o)
        elif loss == "mse_mean":
            L = F.mse_loss(o, t)
        elif loss == "mse_sum":
            L = F.mse_loss(o, t, reduction="sum")
        elif loss == "half_sse":
            L = 0.5 * ((o - t) ** 2).sum()
        elif loss == "bce_mean":
            L = F.binary_cross_entropy(o, t)
        elif loss == "bce_logits_mean":
            L = F.binary_cross_entropy_with_logits(z, t)
        else:
            raise ValueError(loss)
    L.backward()
    return dict(name=name, dtype=str(dtype).replace("torch.", ""), B=B, N=N, K=K, loss=loss, bias=bias,
                target="ones" if t is None else "given", x=flat(x), w=flat(w), b=None if b is None else flat(b),
                t=None if t is None else flat(t), loss_value=enc(L), grad_w=flat(w.grad),
                grad_b=None if b is None else flat(b.grad), grad_x=flat(x.grad))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    gen = torch.Generator().manual_seed(2028)
    cases = []
    for dtype in (torch.float32, torch.float64):
        cases.append(case("lecture_1", dtype, 10, 1, "mse_mean", False, gen))
        cases.append(case("lecture_2", dtype, 10, 2, "mse_mean", False, gen))
        for loss in LOSSES:
            cases.append(case("bias_" + loss, dtype, 4, 3, loss, True, gen))
    doc = dict(generator="PyTorch %s, tests/tools/make_empty_batch_cases.py" % torch.__version__, cases=cases)
    with open(sys.argv[1], "w") as out:
        json.dump(doc, out, indent=1)
        out.write("\n")
    print("wrote", len(cases), "cases to", sys.argv[1])


main()
