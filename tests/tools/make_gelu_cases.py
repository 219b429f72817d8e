#!/usr/bin/python3
"""Golden cases for the tanh-approximate GELU, computed by PyTorch autograd.

Usage: /usr/bin/python3 tests/tools/make_gelu_cases.py tests/data/gelu_cases.json   (needs python3-torch)
Each case: dtype; shapes B (samples), N (features), H (hidden units), K (outputs); arrays x
(B*N), w1 (H*N), b1 (H), w2 (K*H), b2 (K), t (B*K, model "mse") or y (B class indices, model
"cross_entropy"); model
  "mse":            o = F.gelu(x @ w1.t() + b1, approximate='tanh'), L = F.mse_loss(o, t)   (H = K)
  "cross_entropy":  h = F.gelu(x @ w1.t() + b1, approximate='tanh'), z = h @ w2.t() + b2,
                    L = F.cross_entropy(z, y)
results: loss, grad_w1, grad_b1, grad_x (and grad_w2, grad_b2 for the two-layer model).
All arrays row-major, flattened. Inputs are drawn in float64 and rounded to the dtype.
"""
import json, sys
import torch
import torch.nn.functional as F


def case(name, dtype, B, N, H, K, model, gen, scale=1.0):
    r = lambda *s, k=1.0: (torch.randn(*s, generator=gen, dtype=torch.float64) * k).to(dtype).requires_grad_(True)
    x = r(B, N, k=scale)
    w1 = r(H, N, k=1.0 / N ** 0.5)
    b1 = r(H, k=0.1)
    a1 = F.gelu(x @ w1.t() + b1, approximate="tanh")
    out = dict(name=name, dtype=str(dtype).replace("torch.", ""), B=B, N=N, H=H, K=K, model=model)
    if model == "mse":
        t = torch.rand(B, K, generator=gen, dtype=torch.float64).to(dtype)
        L = F.mse_loss(a1, t)
        params = dict(x=x, w1=w1, b1=b1)
        out["t"] = t.reshape(-1).tolist()
    else:
        w2 = r(K, H, k=1.0 / H ** 0.5)
        b2 = r(K, k=0.1)
        y = torch.randint(0, K, (B,), generator=gen)
        L = F.cross_entropy(a1 @ w2.t() + b2, y)
        params = dict(x=x, w1=w1, b1=b1, w2=w2, b2=b2)
        out["y"] = [float(v) for v in y.tolist()]
    L.backward()
    for k, v in params.items():
        out[k] = [float(a) for a in v.detach().reshape(-1).tolist()]
        out["grad_" + k] = [float(a) for a in v.grad.reshape(-1).tolist()]
    out["loss"] = float(L)
    return out


def main():
    gen = torch.Generator().manual_seed(2029)
    cases = []
    for dtype in (torch.float32, torch.float64):
        cases.append(case("one_layer_mse", dtype, 7, 5, 3, 3, "mse", gen))
        cases.append(case("one_layer_mse_wide_inputs", dtype, 4, 9, 2, 2, "mse", gen, scale=4.0))
        cases.append(case("two_layer_cross_entropy", dtype, 11, 6, 8, 4, "cross_entropy", gen))
    with open(sys.argv[1], "w") as f:
        json.dump({"generator": "tests/tools/make_gelu_cases.py", "torch": torch.__version__, "cases": cases}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
