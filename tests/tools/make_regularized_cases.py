#!/usr/bin/python3
"""Golden cases for losses with terms of the parameters alone (weight decay, L1), by PyTorch autograd.

Usage: /usr/bin/python3 make_regularized_cases.py OUT.json SEED   (needs Debian python3-torch)
The stored tests/data/regularized_cases.json is seed 2032:
    /usr/bin/python3 tests/tools/make_regularized_cases.py tests/data/regularized_cases.json 2032
reproduces it byte for byte. Format: tests/data/README.md, "Regularized cases".

Model z = x @ w.t() + b, x: B x N, w: K x N, b: K, targets t: B x K, class indices y: B; losses:
  mse_l2          F.mse_loss(torch.sigmoid(z), t) + 0.01 * (w ** 2).sum()
  bce_logits_l2   F.binary_cross_entropy_with_logits(z, t) + 0.005 * ((w ** 2).sum() + (b ** 2).sum())
  ce_l2           F.cross_entropy(z, y) + 0.001 * (w ** 2).sum()
  mse_l1          F.mse_loss(torch.sigmoid(z), t) + 0.01 * w.abs().sum()   (some w exactly 0: sign(0) = 0)
  params_only     (w ** 2).sum() + 2 * (b ** 2).mean()                   (no data at all)
Sizes (B, N, K) (1, 1, 1), (5, 7, 3), (33, 17, 5) and (0, 4, 2) for every loss, precisions alternating;
and (200, 30, 10) for mse_l2 in float32 and ce_l2 in float64. Gradients: grad_w, grad_b (and grad_x but for params_only).
"""
import json, math, sys
import torch
import torch.nn.functional as F

F32, F64 = torch.float32, torch.float64
SIZES = [(1, 1, 1), (5, 7, 3), (33, 17, 5), (0, 4, 2)]
LARGE = (200, 30, 10)
LOSSES = ["mse_l2", "bce_logits_l2", "ce_l2", "mse_l1", "params_only"]


def flat(v):
    return None if v is None else [float(a) if math.isfinite(a) else str(a) for a in v.detach().reshape(-1).tolist()]


def loss_of(kind, x, w, b, t, y):
    if kind == "params_only":
        return (w ** 2).sum() + 2 * (b ** 2).mean()
    z = x @ w.t() + b
    if kind == "mse_l2":
        return F.mse_loss(torch.sigmoid(z), t) + 0.01 * (w ** 2).sum()
    if kind == "bce_logits_l2":
        return F.binary_cross_entropy_with_logits(z, t) + 0.005 * ((w ** 2).sum() + (b ** 2).sum())
    if kind == "ce_l2":
        return F.cross_entropy(z, y) + 0.001 * (w ** 2).sum()
    if kind == "mse_l1":
        return F.mse_loss(torch.sigmoid(z), t) + 0.01 * w.abs().sum()
    raise ValueError(kind)


def case(name, dtype, sizes, kind, gen):
    B, N, K = sizes
    r = lambda *shape: torch.randn(*shape, generator=gen, dtype=F64)
    x, w, b = r(B, N), r(K, N) / math.sqrt(N), r(K) * 0.1
    t = torch.rand(B, K, generator=gen, dtype=F64)
    y = torch.randint(0, K, (B,), generator=gen)
    if kind == "mse_l1":
        w.view(-1)[::3] = 0.0  # sign(0) = 0: these elements get the data's gradient alone
    x, w, b, t = (v.to(dtype) for v in (x, w, b, t))
    for v in (x, w, b):
        v.requires_grad_(True)
    L = loss_of(kind, x, w, b, t, y)
    L.backward()
    if kind == "mse_l1":
        assert (w.detach() == 0).any(), name
    return dict(name=name, dtype="float32" if dtype == F32 else "float64", loss=kind, B=B, N=N, K=K,
                x=flat(x), w=flat(w), b=flat(b), t=flat(t), y=[int(v) for v in y.tolist()],
                loss_value=float(L) if math.isfinite(float(L)) else str(float(L)),
                grad_w=flat(w.grad), grad_b=flat(b.grad), grad_x=flat(x.grad) if kind != "params_only" else None)


def main():
    path, seed = sys.argv[1], int(sys.argv[2])
    gen = torch.Generator().manual_seed(seed)
    cs = []
    for i, kind in enumerate(LOSSES):
        for j, sizes in enumerate(SIZES):
            dtype = (F32, F64)[(i + j) % 2]
            cs.append(case("%s_B%d_N%d_K%d_%s" % ((kind,) + sizes + ("f32" if dtype == F32 else "f64",)), dtype,
                           sizes, kind, gen))
    for kind, dtype in (("mse_l2", F32), ("ce_l2", F64)):
        cs.append(case("large_%s_B%d_N%d_K%d_%s" % ((kind,) + LARGE + ("f32" if dtype == F32 else "f64",)), dtype,
                       LARGE, kind, gen))
    names = [c["name"] for c in cs]
    assert len(names) == len(set(names)), "case names must be unique"
    json.dump(dict(generator="PyTorch %s autograd" % torch.__version__, seed=seed, cases=cs), open(path, "w"),
              indent=1)
    print("wrote", len(cs), "cases to", path)


main()
