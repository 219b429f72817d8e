#!/usr/bin/python3
"""Replays the lecture examples' sessions in PyTorch and compares every Out with torch's repr.

Usage: /usr/bin/python3 tests/tools/check_lecture_examples.py EXAMPLE_OR_OUTPUT...
  (each argument: an executable, e.g. build/examples/lecture_1_single_output, which is run,
   or a file holding its output; needs Debian's python3-torch)

examples/lecture_{1,2}_*.cpp print IPython-like lines, `In [..]: code` followed, for
expressions, by `Out[..]: value` (a multi-line value starts on the next line). Every code line
is PyTorch code. The examples' data cannot come from torch.randn (another generator), so they
also print x and w to 8 decimals (`In [ ]: x`, `In [ ]: w`); this script reads those, runs
each code line in order, with `x=torch.randn(...)` and `w=torch.randn(...)` replaced by the
printed x and w, and checks that repr() of each expression is the example's Out, character
for character ("ok"), or but for last digits off by one unit ("near", also a pass: float32
results computed in another order may round the other way). It also reports how far the
printed digits are from PyTorch's unrounded values (at most half a unit of the last digit
when they agree). Exits 1 on any other difference.
(The lecture's F.mse_loss(torch.ones(1,1), o) with a 1x2 o makes PyTorch warn about
broadcasting, as in the lecture; the warning is silenced here.)
"""
import ast
import os
import re
import subprocess
import sys
import warnings

import torch
import torch.nn.functional as F

PROMPT = re.compile(r"^(In |Out)\[( |\d+)\]:(?: (.*))?$")


def session(text):
    """[(code, out or None)] from an example's output; lines outside the prompts are skipped."""
    steps, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        m = PROMPT.match(lines[i])
        i += 1
        if not m:
            continue
        if m.group(1) == "In ":
            steps.append([m.group(3), None])
            continue
        value = [m.group(3)] if m.group(3) is not None else []
        while i < len(lines) and lines[i] and not PROMPT.match(lines[i]) and not lines[i].startswith("#"):
            value.append(lines[i])
            i += 1
        steps[-1][1] = "\n".join(value)
    return steps


def numbers(s):
    return [float(v) for v in re.findall(r"-?\d+\.\d*(?:e[-+]\d+)?", s.split("grad_fn")[0])]


NUMBER = re.compile(r"-?\d+\.(\d*)(?:e([-+]\d+))?")


def within_last_digit(a, b):
    """Same text but for numbers that differ by at most one unit of their last printed digit."""
    if NUMBER.sub("#", a) != NUMBER.sub("#", b):
        return False
    pairs = list(zip(NUMBER.finditer(a), NUMBER.finditer(b)))
    unit = lambda m: 10.0 ** (-len(m.group(1)) + int(m.group(2) or 0))
    return all(abs(float(u.group(0)) - float(v.group(0))) <= 1.001 * unit(u) for u, v in pairs)


def replay(name, text):
    steps = session(text)
    # The data: the last Out of `x` and `w`, which are tensor reprs, i.e. Python.
    given = {code: eval(out, {"tensor": lambda d, requires_grad=False: torch.tensor(d, requires_grad=requires_grad)})
             for code, out in steps if code in ("x", "w") and out is not None}
    env = {"torch": torch, "F": F}
    torch.set_printoptions(profile="default")
    failures = 0
    for code, out in steps:
        source = code.split("#")[0].strip()
        assigned = re.match(r"^(\w+)\s*=\s*torch\.randn\(", source)
        if assigned:
            source = "%s = __given[%r]" % (assigned.group(1), assigned.group(1))
            env["__given"] = given
        tree = ast.parse(source)
        result = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            exec(compile(ast.Module(tree.body[:-1], []), name, "exec"), env)
            result = eval(compile(ast.Expression(tree.body[-1].value), name, "eval"), env)
        else:
            exec(compile(tree, name, "exec"), env)
        if out is None:
            continue
        want = repr(result)
        ok = want == out
        near = not ok and within_last_digit(out, want)
        failures += not (ok or near)
        note = ""
        if isinstance(result, torch.Tensor) and result.is_floating_point():
            exact = result.detach().double().reshape(-1).tolist()
            shown = numbers(out)
            if len(shown) == len(exact):
                diff = max((abs(u - v) for u, v in zip(shown, exact)), default=0.0)
                note = "printed vs PyTorch's unrounded: max |difference| %.1e" % diff
        print("%-4s %-50s %s" % ("ok" if ok else "near" if near else "FAIL", code[:50], note))
        if not ok:
            print("  example:\n" + out + "\n  PyTorch:\n" + want)
    torch.set_printoptions(profile="default")
    return failures


def main():
    warnings.filterwarnings("ignore", message="Using a target size")
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    failures = 0
    for arg in sys.argv[1:]:
        if os.access(arg, os.X_OK) and not os.path.isdir(arg):
            text = subprocess.run([os.path.abspath(arg)], capture_output=True, text=True, check=True).stdout
        else:
            text = open(arg).read()
        print("==", arg)
        failures += replay(arg, text)
    print("%d difference(s)" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
