#!/usr/bin/python3
"""Golden cases for abs, maximum, minimum, clamp and the L1, Huber and smooth L1 losses,
computed by PyTorch autograd, with values placed exactly on the kinks (ties, 0, the clamp
bounds, |d| = delta) where PyTorch's tie rules decide the gradient.

Usage: /usr/bin/python3 tests/tools/make_elementwise_cases.py tests/data/elementwise_cases.json
(needs python3-torch; seed 2031, fixed here: the output is the same byte for byte).

Each case: name, dtype, model, op, shapes, inputs, loss and gradients, arrays row-major and
flattened. The models:
  "direct"     a, b: [B, K] (b absent for the ops of one argument); L = the op below;
               gradients grad_a (and grad_b). Ops:
                 abs             (|a|).mean()
                 maximum         torch.maximum(a, b).mean()      minimum likewise
                 clamp           torch.clamp(a, -0.5, 1.0).mean()
                 clamp_min       torch.clamp(a, min=-0.5).mean()  clamp_max: torch.clamp(a, max=1.0)
                 clamp_reversed  torch.clamp(a, 1.0, -0.5).mean() (min > max: every value is max)
                 clamp_min_tensor, clamp_max_tensor  torch.clamp_min(a, b), torch.clamp_max(a, b), mean
                 l1_loss, huber_loss, huber_loss_delta_0.5, smooth_l1_loss,
                 smooth_l1_loss_beta_0.5, smooth_l1_loss_beta_0   F.<loss>(a, b) with that delta/beta
  "perceptron" z = x @ w.t() + b, L = F.<op>(z, t) (op a loss above); grad_w, grad_b, grad_x
  "two_layer"  h = torch.tanh(x @ w1.t() + b1), o = h @ w2.t() + b2, L = F.<op>(o, t);
               grad_w1, grad_b1, grad_w2, grad_b2
  "hidden"     h = act(x @ w1.t() + b1), o = h @ w2.t() + b2, L = F.mse_loss(o, t), act (op):
               "maximum0" torch.maximum(z, 0), "relu" torch.relu(z), "clamp" torch.clamp(z, -0.5, 0.5);
               grad_w1, grad_b1, grad_w2, grad_b2
The direct, perceptron and hidden cases use multiples of 1/8 (1/4 for weights), so that every
value is exact in float32 and lands exactly on ties and bounds; the two-layer cases use
Gaussian data.
"""
import json, sys
import torch
import torch.nn.functional as F

LOSSES = {
    "l1_loss": lambda a, b: F.l1_loss(a, b),
    "huber_loss": lambda a, b: F.huber_loss(a, b),
    "huber_loss_delta_0.5": lambda a, b: F.huber_loss(a, b, delta=0.5),
    "smooth_l1_loss": lambda a, b: F.smooth_l1_loss(a, b),
    "smooth_l1_loss_beta_0.5": lambda a, b: F.smooth_l1_loss(a, b, beta=0.5),
    "smooth_l1_loss_beta_0": lambda a, b: F.smooth_l1_loss(a, b, beta=0.0),
}
UNARY = {
    "abs": lambda a: a.abs().mean(),
    "clamp": lambda a: torch.clamp(a, -0.5, 1.0).mean(),
    "clamp_min": lambda a: torch.clamp(a, min=-0.5).mean(),
    "clamp_max": lambda a: torch.clamp(a, max=1.0).mean(),
    "clamp_reversed": lambda a: torch.clamp(a, 1.0, -0.5).mean(),
}
BINARY = {
    "maximum": lambda a, b: torch.maximum(a, b).mean(),
    "minimum": lambda a, b: torch.minimum(a, b).mean(),
    "clamp_min_tensor": lambda a, b: torch.clamp_min(a, b).mean(),
    "clamp_max_tensor": lambda a, b: torch.clamp_max(a, b).mean(),
    **LOSSES,
}
# Residuals a - b placed on the kinks: ties, |d| = 0.5 and 1 (delta, beta), and off them.
KINKS = [0.0, 0.0, 0.5, -0.5, 1.0, -1.0, 0.25, -1.5, 3.0]


def eighths(gen, *shape, scale=2.0, step=8.0):
    return torch.round(torch.randn(*shape, generator=gen, dtype=torch.float64) * scale * step) / step


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def finish(out, L, params):
    L.backward()
    for k, v in params.items():
        out[k] = flat(v)
        out["grad_" + k] = flat(v.grad)
    out["loss"] = float(L)
    return out


def direct(name, dtype, B, K, op, gen):
    a = eighths(gen, B, K)
    # Values on the clamp bounds (-0.5, 1.0), at 0, and on both sides of them.
    a.view(-1)[: 6] = torch.tensor([-0.5, 1.0, 0.0, -0.625, 1.125, 0.0], dtype=torch.float64)[: min(6, B * K)]
    a = a.to(dtype).requires_grad_(True)
    out = dict(name=name, dtype=str(dtype).replace("torch.", ""), model="direct", op=op, B=B, K=K)
    if op in UNARY:
        return finish(out, UNARY[op](a), dict(a=a))
    d = torch.tensor([KINKS[i % len(KINKS)] for i in range(B * K)], dtype=torch.float64).reshape(B, K)
    shuffled = d.view(-1)[torch.randperm(B * K, generator=gen)].reshape(B, K)
    b = (a.detach().double() - shuffled).to(dtype).requires_grad_(True)
    f = BINARY[op]
    return finish(out, f(a, b), dict(a=a, b=b))


def perceptron(name, dtype, B, N, K, op, gen):
    x = eighths(gen, B, N, scale=1.0, step=2.0)
    w = eighths(gen, K, N, scale=0.5, step=4.0)
    b = eighths(gen, K, scale=0.5, step=4.0)
    z = x @ w.t() + b
    d = torch.tensor([KINKS[i % len(KINKS)] for i in range(B * K)], dtype=torch.float64).reshape(B, K)
    t = (z - d.view(-1)[torch.randperm(B * K, generator=gen)].reshape(B, K)).to(dtype)
    x, w, b = (v.to(dtype).requires_grad_(True) for v in (x, w, b))
    out = dict(name=name, dtype=str(dtype).replace("torch.", ""), model="perceptron", op=op, B=B, N=N, K=K)
    out["t"] = flat(t)
    return finish(out, LOSSES[op](x @ w.t() + b, t), dict(x=x, w=w, b=b))


def two_layer(name, dtype, B, N, H, K, op, gen, model="two_layer"):
    if model == "two_layer":
        r = lambda *s, k=1.0: (torch.randn(*s, generator=gen, dtype=torch.float64) * k).to(dtype).requires_grad_(True)
        x = r(B, N).detach()
        w1, b1, w2, b2 = r(H, N, k=N ** -0.5), r(H, k=0.1), r(K, H, k=H ** -0.5), r(K, k=0.1)
        t = (torch.randn(B, K, generator=gen, dtype=torch.float64) * 2).to(dtype)
    else:  # exact multiples of 1/8 and 1/4: pre-activations land on 0 and on the clamp bounds
        x = eighths(gen, B, N, scale=1.0, step=2.0).to(dtype)
        w1, b1, w2, b2 = (eighths(gen, *s, scale=0.5, step=4.0).to(dtype).requires_grad_(True)
                          for s in ((H, N), (H,), (K, H), (K,)))
        with torch.no_grad():  # a few pre-activations exactly at 0 and at ±0.5
            z1 = x.double() @ w1.double().t()
            b1.copy_(-z1[0, :].to(dtype))
            b1[:2] += torch.tensor([0.5, -0.5], dtype=dtype)[: min(2, H)]
        t = eighths(gen, B, K).to(dtype)
    z1 = x @ w1.t() + b1
    if model == "two_layer":
        h, L = torch.tanh(z1), None
    elif op == "maximum0":
        h = torch.maximum(z1, torch.zeros((), dtype=dtype))
    elif op == "relu":
        h = torch.relu(z1)
    else:
        h = torch.clamp(z1, -0.5, 0.5)
    o = h @ w2.t() + b2
    L = LOSSES[op](o, t) if model == "two_layer" else F.mse_loss(o, t)
    out = dict(name=name, dtype=str(dtype).replace("torch.", ""), model=model, op=op, B=B, N=N, H=H, K=K)
    out["x"], out["t"] = flat(x), flat(t)
    return finish(out, L, dict(w1=w1, b1=b1, w2=w2, b2=b2))


def main():
    gen = torch.Generator().manual_seed(2031)
    cases = []
    for dtype in (torch.float32, torch.float64):
        for op in list(UNARY) + list(BINARY):
            cases.append(direct(op, dtype, 5, 7, op, gen))
        cases.append(direct("maximum_one_row", dtype, 1, 3, "maximum", gen))
        cases.append(direct("huber_loss_one_row", dtype, 1, 3, "huber_loss", gen))
        for op in ("l1_loss", "huber_loss", "huber_loss_delta_0.5", "smooth_l1_loss_beta_0.5"):
            cases.append(perceptron("perceptron_" + op, dtype, 9, 5, 3, op, gen))
        for op in ("l1_loss", "huber_loss", "smooth_l1_loss_beta_0.5"):
            cases.append(two_layer("two_layer_" + op, dtype, 13, 6, 5, 3, op, gen))
        for op in ("maximum0", "relu", "clamp"):
            cases.append(two_layer("hidden_" + op, dtype, 11, 4, 5, 3, op, gen, model="hidden"))
    with open(sys.argv[1], "w") as f:
        json.dump({"generator": "tests/tools/make_elementwise_cases.py", "torch": torch.__version__, "cases": cases}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
