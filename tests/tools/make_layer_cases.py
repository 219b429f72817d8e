#!/usr/bin/python3
"""Golden cases for layered models (activations, two layers, cross-entropy), computed by PyTorch autograd.

Usage: /usr/bin/python3 make_layer_cases.py OUT.json SEED   (needs Debian python3-torch)
The stored tests/data/layer_cases.json is seed 2028:
    /usr/bin/python3 tests/tools/make_layer_cases.py tests/data/layer_cases.json 2028
reproduces it byte for byte. Format: tests/data/README.md, "Layer cases".

Models (all with biases), x: B x N, class indices y: B, targets t: B x K:
  two layers, sigmoid output:  h = act(x @ w1.t() + b1), o = torch.sigmoid(h @ w2.t() + b2),
                               act in sigmoid, tanh, relu, softplus; loss one of
                                 mse_mean    F.mse_loss(o, t)
                                 half_sse    0.5 * ((o - t) ** 2).sum()
                                 bce         F.binary_cross_entropy(o, t)
  two layers, logits:          z = h @ w2.t() + b2, F.binary_cross_entropy_with_logits(z, t)   (loss bce_logits)
  cross-entropy, one layer:    z = x @ w1.t() + b1, F.cross_entropy(z, y)                      (loss cross_entropy)
  cross-entropy, two layers:   z = act(x @ w1.t() + b1) @ w2.t() + b2, act relu or tanh, F.cross_entropy(z, y)
Every model type in float32 and float64, sizes (B, N, H, K) cycling through (1, 10, 4, 2), (5, 7, 9, 3),
(33, 17, 19, 5), and four cases of (64, 31, 13, 10); plus
  - tall_*: B = 131 with narrow layers (several tiles of rows, the last one partial);
  - relu_zero_*: relu layers whose pre-activation is exactly 0 at some elements (zero rows of x, zero rows
    of w1, zero entries of b1), where a nonzero gradient reaches the relu, so that relu'(0) = 0 matters;
  - saturated_*: |logits| around 60 (sigmoid output at exactly 0 or 1 in float32, softmax with exact
    zeros), in both precisions.
Checked here: every value finite; in relu layers, each pre-activation is exactly 0 or at least 1e-5 of
the sum of its terms' magnitudes away from 0 (rounding cannot flip relu'); the relu_zero cases have
exact zeros, with nonzero incoming gradient there; the saturated float32 cases saturate.
"""
import json, math, sys, warnings
import torch
import torch.nn.functional as F

F32, F64 = torch.float32, torch.float64
SHORT = {F32: "f32", F64: "f64"}
ACTS = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "softplus": F.softplus}
SIZES = [(1, 10, 4, 2), (5, 7, 9, 3), (33, 17, 19, 5)]
LARGE = (64, 31, 13, 10)


def flat(v):
    return None if v is None else [float(a) for a in v.detach().reshape(-1).tolist()]


def draw(gen, dtype, B, N, H, K, layers, loss, wscale, zero=False):
    """Inputs, drawn in float64 and rounded to dtype (as make_cases.py)."""
    r = lambda *shape: torch.randn(*shape, generator=gen, dtype=F64)
    n_out = H if layers == 2 else K
    x = r(B, N)
    w1 = r(n_out, N) / math.sqrt(N) * (wscale if layers == 1 else 1.0)
    b1 = r(n_out) * 0.1
    w2 = r(K, H) / math.sqrt(H) * wscale if layers == 2 else None
    if layers == 2 and wscale > 1:  # saturating: output 0 pushed up, output 1 down (relu's h >= 0)
        w2[0::2] = w2[0::2].abs()
        w2[1::2] = -w2[1::2].abs()
    b2 = r(K) * 0.1 if layers == 2 else None
    t = torch.rand(B, K, generator=gen, dtype=F64) if loss != "cross_entropy" else None
    y = torch.randint(0, K, (B,), generator=gen) if loss == "cross_entropy" else None
    if zero:  # exact zeros of x @ w1.t() + b1: zero rows of x and of w1, zero entries of b1
        x[1::3] = 0.0
        w1[2::4] = 0.0
        b1[0::2] = 0.0
    cast = lambda v: None if v is None else v.to(dtype)
    return cast(x), cast(w1), cast(b1), cast(w2), cast(b2), cast(t), y


def case(name, dtype, sizes, layers, act, loss, gen, wscale=1.0, zero=False):
    B, N, H, K = sizes
    x, w1, b1, w2, b2, t, y = draw(gen, dtype, B, N, H, K, layers, loss, wscale, zero)
    params = [v for v in (x, w1, b1, w2, b2) if v is not None]
    for v in params:
        v.requires_grad_(True)
    z1 = x @ w1.t() + b1
    if layers == 2:
        h = ACTS[act](z1)
        z = h @ w2.t() + b2
    else:
        z = z1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if loss == "cross_entropy":
            L = F.cross_entropy(z, y)
        elif loss == "bce_logits":
            L = F.binary_cross_entropy_with_logits(z, t)
        else:
            o = torch.sigmoid(z)
            if loss == "mse_mean":
                L = F.mse_loss(o, t)
            elif loss == "half_sse":
                L = 0.5 * ((o - t) ** 2).sum()
            elif loss == "bce":
                L = F.binary_cross_entropy(o, t)
            else:
                raise ValueError(loss)
    L.backward()

    # Checks of the data (in float64, on the rounded inputs).
    if act == "relu":
        xd, wd, bd = (v.detach().double() for v in (x, w1, b1))
        zd, sz = xd @ wd.t() + bd, xd.abs() @ wd.abs().t() + bd.abs()
        assert not ((zd != 0) & (zd.abs() < 1e-5 * sz)).any(), "%s: a relu pre-activation is within rounding of 0" % name
        if zero:
            # relu'(0) = 0 matters: the gradient arriving at h = relu(z1) is nonzero at some exact zero of z1.
            hh = torch.relu(z1.detach()).requires_grad_(True)
            zz = hh @ w2.detach().t() + b2.detach()
            L2 = F.cross_entropy(zz, y) if loss == "cross_entropy" else 0.5 * ((torch.sigmoid(zz) - t) ** 2).sum()
            L2.backward()
            assert ((zd == 0) & (hh.grad != 0)).any(), "%s: no gradient reaches an exact zero" % name
    if name.startswith("saturated") and dtype == F32:
        zs = z.detach()
        if loss == "cross_entropy":
            p = torch.softmax(zs, dim=1)
            assert (p == 0).any() and (p == 1).any(), "%s: the softmax does not saturate" % name
        else:
            o = torch.sigmoid(zs)
            assert (o == 1).any(), "%s: the sigmoid does not saturate" % name

    out = dict(name=name, dtype=SHORT[dtype].replace("f", "float"), layers=layers, B=B, N=N,
               H=H if layers == 2 else None, K=K, act=act, loss=loss,
               x=flat(x), w1=flat(w1), b1=flat(b1), w2=flat(w2), b2=flat(b2), t=flat(t),
               y=None if y is None else [int(c) for c in y.tolist()],
               loss_value=float(L), grad_w1=flat(w1.grad), grad_b1=flat(b1.grad),
               grad_w2=None if w2 is None else flat(w2.grad), grad_b2=None if b2 is None else flat(b2.grad),
               grad_x=flat(x.grad))
    for key, v in out.items():
        values = v if isinstance(v, list) else [v] if isinstance(v, float) else []
        if not all(math.isfinite(a) for a in values):
            raise ValueError("%s: %s is not finite" % (name, key))
    return out


def main():
    path, seed = sys.argv[1], int(sys.argv[2])
    gen = torch.Generator().manual_seed(seed)
    cs = []
    # Every model type: (layers, act, loss).
    types = [(2, act, loss) for loss in ("mse_mean", "half_sse", "bce") for act in ACTS]
    types += [(2, act, "bce_logits") for act in ACTS]
    types += [(1, None, "cross_entropy")] + [(2, act, "cross_entropy") for act in ("relu", "tanh")]
    for i, (layers, act, loss) in enumerate(types):
        for j, dtype in enumerate((F32, F64)):
            sizes = SIZES[(i + j) % len(SIZES)]
            B, N, H, K = sizes
            name = "%s_%s_B%d_N%d%s_K%d_%s" % ("two_layer_" + act if layers == 2 else "one_layer", loss, B, N,
                                              "_H%d" % H if layers == 2 else "", K, SHORT[dtype])
            cs.append(case(name, dtype, sizes, layers, act, loss, gen))
    # The large size, four times (the file stays under 1.5 MB), precisions alternating.
    for i, (layers, act, loss) in enumerate([(2, "tanh", "mse_mean"), (2, "softplus", "bce"), (1, None, "cross_entropy"),
                                             (2, "relu", "cross_entropy")]):
        dtype = (F32, F64)[i % 2]
        name = "large_%s_%s_%s" % ("two_layer_" + act if layers == 2 else "one_layer", loss, SHORT[dtype])
        cs.append(case(name, dtype, LARGE, layers, act, loss, gen))
    # relu'(0) = 0: exact zeros in the pre-activation.
    for loss in ("half_sse", "cross_entropy"):
        for dtype in (F32, F64):
            cs.append(case("relu_zero_%s_%s" % (loss, SHORT[dtype]), dtype, (7, 5, 8, 3), 2, "relu", loss, gen,
                           zero=True))
    # Saturation: logits around +-60.
    for dtype in (F32, F64):
        cs.append(case("saturated_sigmoid_tanh_half_sse_" + SHORT[dtype], dtype, (5, 7, 9, 3), 2, "tanh",
                       "half_sse", gen, wscale=40.0))
        cs.append(case("saturated_sigmoid_relu_mse_mean_" + SHORT[dtype], dtype, (6, 9, 5, 2), 2, "relu",
                       "mse_mean", gen, wscale=40.0))
        cs.append(case("saturated_logits_softplus_bce_logits_" + SHORT[dtype], dtype, (5, 7, 9, 3), 2, "softplus",
                       "bce_logits", gen, wscale=40.0))
        cs.append(case("saturated_one_layer_cross_entropy_" + SHORT[dtype], dtype, (8, 6, None, 4), 1, None,
                       "cross_entropy", gen, wscale=40.0))
        cs.append(case("saturated_two_layer_tanh_cross_entropy_" + SHORT[dtype], dtype, (8, 6, 7, 4), 2, "tanh",
                       "cross_entropy", gen, wscale=40.0))

    # A tall batch with narrow layers: several tiles of rows, the last one partial.
    cs.append(case("tall_two_layer_relu_mse_mean_f32", F32, (131, 3, 5, 3), 2, "relu", "mse_mean", gen))
    cs.append(case("tall_two_layer_tanh_cross_entropy_f64", F64, (131, 3, 5, 4), 2, "tanh", "cross_entropy", gen))

    names = [c["name"] for c in cs]
    assert len(names) == len(set(names)), "case names must be unique"
    json.dump(dict(generator="PyTorch %s autograd" % torch.__version__, seed=seed, cases=cs), open(path, "w"),
              indent=1)
    print("wrote", len(cs), "cases to", path)


main()
