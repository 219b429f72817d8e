#!/usr/bin/python3
"""More golden cases for the perceptron value and gradients, computed by PyTorch autograd.

Usage: /usr/bin/python3 make_more_cases.py OUT.json SEED   (needs Debian python3-torch)
The stored tests/data/perceptron_more_cases.json is seed 2027:
    /usr/bin/python3 tests/tools/make_more_cases.py tests/data/perceptron_more_cases.json 2027

Same format and same case() as make_cases.py (see tests/data/README.md), other cases:
  - float64 versions of the lecture and derivation cases;
  - odd sizes (N = 1, 3, 15, 17, 31, 33, 63, 65, 67; K = 1..5; B = 1..9), in both precisions,
    cycling through the 8 model variants (loss kind x bias x target);
  - a larger batch (B = 300, N = 50, K = 3);
  - bias with the "ones" target, half_sse with the "ones" target, both precisions;
  - large |z| (w scale 50 and 1e3), in both precisions;
  - tiny x (scale 1e-30 in both precisions; 1e-40, subnormal in float32; 1e-310, subnormal
    in float64).
Every value is finite (checked): JSON has no NaN or infinity.
"""
import json, math, sys, warnings
import torch
import torch.nn.functional as F


def case(name, B, N, K, loss, dtype=torch.float32, bias=False, target="given", wscale=1.0, xscale=1.0, gen=None,
         seed_form=False):
    # As make_cases.py's case(): draw in float64, scale, then round to the case's dtype.
    x = (torch.randn(B, N, generator=gen, dtype=torch.float64) * xscale).to(dtype)
    w = (torch.randn(K, N, generator=gen, dtype=torch.float64) * wscale).to(dtype)
    b = (torch.randn(K, generator=gen, dtype=torch.float64) * 0.1).to(dtype) if bias else None
    t = torch.rand(B, K, generator=gen, dtype=torch.float64).to(dtype) if target == "given" else None
    x.requires_grad_(True); w.requires_grad_(True)
    if b is not None: b.requires_grad_(True)
    z = x @ w.t()
    if b is not None: z = z + b
    o = torch.sigmoid(z)
    tt = t if t is not None else torch.ones(1, 1, dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if loss == "mse_mean":
            # the lecture writes F.mse_loss(torch.ones(1,1), o): input and target swapped; same value and gradient
            L = F.mse_loss(tt, o) if seed_form else F.mse_loss(o, tt.expand_as(o) if t is None else tt)
        elif loss == "half_sse":
            L = 0.5 * ((o - tt) ** 2).sum()
        else:
            raise ValueError(loss)
    L.backward()
    flat = lambda v: [float(a) for a in v.detach().reshape(-1).tolist()]
    out = dict(name=name, dtype=str(dtype).replace("torch.", ""), B=B, N=N, K=K, loss=loss,
               bias=bias, target=target, x=flat(x), w=flat(w), t=None if t is None else flat(t),
               b=None if b is None else flat(b), loss_value=float(L), grad_w=flat(w.grad),
               grad_x=flat(x.grad), grad_b=None if b is None else flat(b.grad))
    for key, v in out.items():
        values = v if isinstance(v, list) else [v] if isinstance(v, float) else []
        if not all(math.isfinite(a) for a in values):
            raise ValueError("%s: %s is not finite" % (name, key))
    return out


F32, F64 = torch.float32, torch.float64
SHORT = {F32: "f32", F64: "f64"}
# The 8 model variants, (loss, bias, target).
VARIANTS = [(loss, bias, target) for loss in ("mse_mean", "half_sse") for bias in (False, True)
            for target in ("given", "ones")]


def main():
    path, seed = sys.argv[1], int(sys.argv[2])
    gen = torch.Generator().manual_seed(seed)
    cs = []
    # The lecture's two sessions and the derivation's E, in float64.
    cs.append(case("lecture_single_output_f64", 1, 10, 1, "mse_mean", F64, target="ones", gen=gen, seed_form=True))
    cs.append(case("lecture_multi_output_f64", 1, 10, 2, "mse_mean", F64, target="ones", gen=gen, seed_form=True))
    cs.append(case("derivation_single_E_f64", 1, 10, 1, "half_sse", F64, gen=gen))
    cs.append(case("derivation_multi_E_f64", 1, 10, 3, "half_sse", F64, gen=gen))
    cs.append(case("batch_bias_mse_f64", 5, 37, 4, "mse_mean", F64, bias=True, gen=gen))
    cs.append(case("batch_bias_half_sse_f64", 7, 33, 3, "half_sse", F64, bias=True, gen=gen))
    cs.append(case("one_by_one_f64", 1, 1, 1, "half_sse", F64, gen=gen))

    # Odd sizes: vector tails, one-column and one-row grids, K not a divisor of the width.
    shapes = [(1, 1, 1), (2, 3, 2), (3, 15, 3), (4, 17, 4), (5, 31, 5), (6, 33, 1), (7, 63, 2), (8, 65, 3),
              (9, 67, 4), (9, 1, 5), (1, 67, 5), (3, 33, 2), (5, 15, 1), (7, 17, 5), (2, 65, 4), (8, 31, 3)]
    for i, (B, N, K) in enumerate(shapes):
        for dtype in (F32, F64):
            loss, bias, target = VARIANTS[(i + (dtype == F64)) % len(VARIANTS)]
            name = "odd_B%d_N%d_K%d_%s_%s%s_%s" % (B, N, K, loss, "bias_" if bias else "", target, SHORT[dtype])
            cs.append(case(name, B, N, K, loss, dtype, bias=bias, target=target, gen=gen))

    # A larger batch: many tiles.
    cs.append(case("large_batch_B300_f32", 300, 50, 3, "mse_mean", F32, bias=True, gen=gen, wscale=0.3))

    # The "ones" target with a bias, and half_sse against ones, in both precisions.
    for dtype in (F32, F64):
        cs.append(case("ones_bias_mse_" + SHORT[dtype], 4, 12, 3, "mse_mean", dtype, bias=True, target="ones",
                       gen=gen))
        cs.append(case("ones_bias_half_sse_" + SHORT[dtype], 5, 9, 2, "half_sse", dtype, bias=True, target="ones",
                       gen=gen))
        cs.append(case("ones_half_sse_" + SHORT[dtype], 3, 10, 2, "half_sse", dtype, target="ones", gen=gen))
        cs.append(case("ones_lecture_batched_" + SHORT[dtype], 6, 10, 1, "mse_mean", dtype, target="ones", gen=gen,
                       seed_form=True))

    # Large |z|: the sigmoid saturates, the gradients vanish (exactly, in float32, past |z| ~ 17 for 1 - o
    # and |z| ~ 88 / 104 for o).
    for dtype in (F32, F64):
        cs.append(case("saturated_w50_" + SHORT[dtype], 4, 8, 3, "half_sse", dtype, gen=gen, wscale=50.0))
        cs.append(case("saturated_w50_bias_mse_" + SHORT[dtype], 5, 6, 2, "mse_mean", dtype, bias=True, gen=gen,
                       wscale=50.0))
        cs.append(case("saturated_w1e3_" + SHORT[dtype], 4, 8, 3, "half_sse", dtype, gen=gen, wscale=1e3))
        cs.append(case("saturated_w1e3_ones_mse_" + SHORT[dtype], 3, 5, 2, "mse_mean", dtype, target="ones",
                       gen=gen, wscale=1e3))

    # Tiny x: z ~ 0, o = 1/2; grad_w ~ x is tiny (subnormal for the 1e-40 / 1e-310 scales).
    cs.append(case("tiny_x1e-30_f32", 4, 7, 3, "half_sse", F32, bias=True, gen=gen, xscale=1e-30))
    cs.append(case("tiny_x1e-30_f64", 4, 7, 3, "half_sse", F64, bias=True, gen=gen, xscale=1e-30))
    cs.append(case("tiny_x1e-40_subnormal_f32", 4, 7, 3, "mse_mean", F32, gen=gen, xscale=1e-40))
    cs.append(case("tiny_x1e-310_subnormal_f64", 4, 7, 3, "mse_mean", F64, gen=gen, xscale=1e-310))

    names = [c["name"] for c in cs]
    assert len(names) == len(set(names)), "case names must be unique"
    json.dump(dict(generator="PyTorch %s autograd" % torch.__version__, seed=seed, cases=cs), open(path, "w"),
              indent=1)
    print("wrote", len(cs), "cases to", path)


main()
