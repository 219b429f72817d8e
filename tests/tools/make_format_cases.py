#!/usr/bin/python3
"""Expected strings for ctgrad::io::format_tensor, printed by PyTorch itself.

Usage: /usr/bin/python3 tests/tools/make_format_cases.py tests/data/torch_format_cases.json
(Debian's /usr/bin/python3 has python3-torch 1.13.) The output is deterministic.

Each case: name; dtype ("float32"/"float64"); shape; values (row-major, the tensor's exact
values as doubles, non-finite ones as the strings "nan", "inf", "-inf"); options (the
torch.set_printoptions arguments used, same names as ctgrad::io::format_options); suffixes
(what format_options::suffixes must hold); expected (the string PyTorch prints).
Most strings are repr(tensor) of a real tensor, whose suffixes (dtype, requires_grad,
grad_fn) PyTorch adds itself. Cases with "via": "_add_suffixes" have suffixes a real tensor
of this version cannot have (the lecture's older grad_fn names); their string is made by
torch._tensor_str's own functions, tensor_str then _add_suffixes, as repr does.
"""
import json
import math
import sys
import warnings

import torch
import torch.nn.functional as F
import torch._tensor_str as ts


def encode(v):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def suffixes_of(t):
    s = []
    if t.dtype != torch.get_default_dtype():
        s.append("dtype=" + str(t.dtype))
    if t.grad_fn is not None:
        s.append("grad_fn=<%s>" % type(t.grad_fn).__name__)
    elif t.requires_grad:
        s.append("requires_grad=True")
    return s


def case(name, t, options=None, extra_suffixes=None):
    options = options or {}
    torch.set_printoptions(**options)
    try:
        if extra_suffixes is None:
            expected, suffixes, via = repr(t), suffixes_of(t), "repr"
        else:
            assert not suffixes_of(t)
            body = "tensor(" + ts._tensor_str(t, len("tensor("))
            # ctgrad::io ignores a leading ", " of a suffix; PyTorch's suffixes never have one.
            plain = [x[2:] if x.startswith(", ") else x for x in extra_suffixes]
            expected = ts._add_suffixes(body, plain, len("tensor("), False)
            suffixes, via = extra_suffixes, "_add_suffixes"
    finally:
        torch.set_printoptions(profile="default")
    values = [encode(float(v)) for v in t.detach().reshape(-1).tolist()]
    return dict(name=name, dtype=str(t.dtype).replace("torch.", ""), shape=list(t.shape), values=values,
                options=options, suffixes=suffixes, via=via, expected=expected)


def lecture_session(outputs, seed):
    """The lecture's session with PyTorch's own random numbers: (loss, w.grad)."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(1, 10, generator=gen)
    w = torch.randn(outputs, 10, generator=gen, requires_grad=True)
    o = torch.sigmoid(x @ w.t())
    with warnings.catch_warnings():  # the lecture's 1x1 target broadcast against 1x2 warns
        warnings.simplefilter("ignore")
        loss = F.mse_loss(torch.ones(1, 1), o)
    loss.backward()
    return loss, w.grad


def main():
    gen = torch.Generator().manual_seed(2026)
    randn = lambda *s: torch.randn(*s, generator=gen)
    f32 = lambda v: torch.tensor(v, dtype=torch.float32)
    lecture_1 = [[-0.0107, -0.0021, 0.0047, 0.0092, -0.0091, -0.0030, 0.0069, -0.0105, -0.0061, -0.0051]]
    lecture_2 = [[-0.0040, 0.0004, 0.0041, -0.0088, 0.0017, -0.0103, 0.0067, -0.0005, -0.0035, -0.0043],
                 [-0.1182, 0.0114, 0.1221, -0.2628, 0.0495, -0.3060, 0.2002, -0.0149, -0.1027, -0.1266]]
    loss_1, grad_1 = lecture_session(1, 41)
    loss_2, grad_2 = lecture_session(2, 0)
    cases = [
        # The lecture's two w.grad, from the values it shows (it lost the aligning spaces).
        case("lecture 1: w.grad 1x10", f32(lecture_1)),
        case("lecture 2: w.grad 2x10", f32(lecture_2)),
        case("lecture 2: loss with the lecture's grad_fn", f32(0.2443), extra_suffixes=["grad_fn=<MeanBackward1>"]),
        case("suffix given with its comma", f32(0.2443), extra_suffixes=[", grad_fn=<MeanBackward0>"]),
        # The sessions again, with PyTorch's random numbers.
        case("session 1: loss", loss_1),
        case("session 1: w.grad", grad_1),
        case("session 2: loss", loss_2),
        case("session 2: w.grad (scientific, two rows)", grad_2),
        # Scalars.
        case("scalar zero", f32(0.0)),
        case("scalar negative", f32(-1.5)),
        case("scalar integral", f32(3.0)),
        case("scalar tiny (scientific)", f32(1e-5)),
        case("scalar nan", f32(float("nan"))),
        # Signs, notation, widths.
        case("negative numbers", f32([-1.25, -0.5, -3.75])),
        case("mixed signs pad positives", f32([-1.25, 0.5, 12.75])),
        case("scientific: max/min > 1000", f32([0.001, 5.0, -2.5])),
        case("scientific: max > 1e8", f32([2.5e8, 3.0e8])),
        case("scientific: min < 1e-4", f32([5e-5, 2e-5, -0.5])),
        case("integral values", f32([1.0, 0.0, -3.0])),
        case("integral 2-D", torch.eye(3)),
        case("integral, scientific", f32([1.0, 1e9])),
        case("integral, large", f32([12345678.0, -2.0])),
        case("all zeros", torch.zeros(2, 3)),
        case("negative zero", f32([-0.0, 1.5])),
        case("non-finite among finite", f32([float("nan"), 1.5, float("-inf")])),
        case("non-finite only", f32([float("nan"), float("inf")])),
        case("rounding: half to even on the exact value", f32([0.125, 0.375, 2.5]), {"precision": 2}),
        # Wrapping.
        case("long row wraps", randn(30)),
        case("2-D, several rows, wrapped", randn(5, 12)),
        case("2-D scientific, wrapped", randn(4, 9) * f32(1e-5)),
        case("3-D", randn(2, 2, 3)),
        case("suffix moves to a new line", -1 - torch.rand(8, generator=gen).requires_grad_()),
        case("requires_grad fits", randn(1, 3).requires_grad_()),
        # Summaries (more than 1000 elements).
        case("summarized 1-D (integral -> scientific)", torch.arange(2000.0)),
        case("summarized 64x20 (a batch's dx)", randn(64, 20)),
        case("summarized 3-D", randn(12, 10, 10)),
        # Options.
        case("precision 2", randn(2, 5), {"precision": 2}),
        case("linewidth 40", randn(12), {"linewidth": 40}),
        case("sci_mode forced off", f32([1e-6, 2.0]), {"sci_mode": False}),
        case("sci_mode forced on", f32([0.25, -2.0]), {"sci_mode": True}),
        case("threshold 5, edgeitems 2", randn(4, 6), {"threshold": 5, "edgeitems": 2}),
        # Double data, empty tensors.
        case("float64 shows its dtype", randn(2, 3).double()),
        case("float64 with requires_grad", randn(1, 4).double().requires_grad_()),
        case("empty 1-D", torch.zeros(0)),
        case("empty 2-D", torch.zeros(0, 3)),
    ]
    doc = dict(generator="PyTorch %s, torch._tensor_str" % torch.__version__, cases=cases)
    with open(sys.argv[1], "w") as out:  # one field per line, each array on one line
        fields = lambda c: ",\n".join("   %s: %s" % (json.dumps(k), json.dumps(v)) for k, v in c.items())
        out.write('{\n "generator": %s,\n "cases": [\n' % json.dumps(doc["generator"]))
        out.write(",\n".join("  {\n%s\n  }" % fields(c) for c in cases))
        out.write("\n ]\n}\n")
    print("wrote", len(cases), "cases to", sys.argv[1])


main()
