#!/usr/bin/python3
"""Replays the lecture examples' sessions in PyTorch and compares every Out with torch's repr.

Usage (each EXAMPLE: an executable, e.g. build/examples/lecture_1_single_output, which is run,
or a file holding its output):
  /usr/bin/python3 tests/tools/check_lecture_examples.py EXAMPLE...
      replay each session in PyTorch now and compare (needs Debian's python3-torch; exits 77,
      CTest's "skipped", without it)
  /usr/bin/python3 tests/tools/check_lecture_examples.py --transcript EXAMPLE > SESSION.txt
      print PyTorch's session: the example's In lines, each Out as PyTorch prints it
  python3 tests/tools/check_lecture_examples.py --against SESSION.txt EXAMPLE
      compare with a session --transcript stored (tests/data/pytorch_sessions/): no torch
      needed, what CTest runs

examples/lecture_{1,2,4}_*.cpp print IPython-like lines, `In [..]: code` followed, for
expressions, by `Out[..]: value` (a multi-line value starts on the next line). Every code line
is PyTorch code. The examples' data cannot come from torch.randn (another generator), so they
also print it to 8 decimals (`In [..]: x`, `In [..]: w`, ...); this script reads it, runs each
code line in order, with `NAME=torch.randn(...)` replaced by the printed NAME, and checks that
repr() of each expression is the example's Out, character for character ("ok"), or but for
last digits off by one unit ("near", also a pass: float32 results computed in another order may
round the other way). Replayed now, it also reports how far the printed digits are from
PyTorch's unrounded values (at most half a unit of the last digit when they agree). Exits 1 on
any other difference, or when the session's code is not the stored session's.
(The lecture's F.mse_loss(torch.ones(1,1), o) with a 1x2 o makes PyTorch warn about
broadcasting, as in the lecture; the warning is silenced here.)
"""
import ast
import os
import re
import subprocess
import sys
import warnings

PROMPT = re.compile(r"^(In |Out)\[( |\d+)\]:(?: (.*))?$")
RANDN = re.compile(r"^(\w+)\s*=\s*torch\.randn\(")


def session(text):
    """[(code, out or None)] from an example's output; lines outside the prompts are skipped."""
    steps, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        m = PROMPT.match(lines[i])
        i += 1
        if not m:
            continue
        if m.group(1) == "In ":
            steps.append([m.group(3), None, m.group(2)])
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


def run_in_torch(name, steps):
    """PyTorch's reprs of the session's expressions: [(code, repr or None, note)], run in order."""
    import torch
    import torch.nn.functional as F

    # The data: the last Out of each NAME drawn by torch.randn, a tensor repr, i.e. Python.
    drawn = {m.group(1) for code, _, _ in steps for m in [RANDN.match(code)] if m}
    tensor = lambda d, requires_grad=False: torch.tensor(d, requires_grad=requires_grad)
    given = {code: eval(out, {"tensor": tensor}) for code, out, _ in steps if code in drawn and out is not None}
    env = {"torch": torch, "F": F, "__given": given}
    torch.set_printoptions(profile="default")
    results = []
    for code, out, _ in steps:
        source = code.split("#")[0].strip()
        assigned = RANDN.match(source)
        if assigned:
            source = "%s = __given[%r]" % (assigned.group(1), assigned.group(1))
        tree = ast.parse(source)
        result = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            exec(compile(ast.Module(tree.body[:-1], []), name, "exec"), env)
            result = eval(compile(ast.Expression(tree.body[-1].value), name, "eval"), env)
        else:
            exec(compile(tree, name, "exec"), env)
        if out is None:
            results.append((code, None, ""))
            continue
        note = ""
        if isinstance(result, torch.Tensor) and result.is_floating_point():
            exact = result.detach().double().reshape(-1).tolist()
            shown = numbers(out)
            if len(shown) == len(exact):
                diff = max((abs(u - v) for u, v in zip(shown, exact)), default=0.0)
                note = "printed vs PyTorch's unrounded: max |difference| %.1e" % diff
        results.append((code, repr(result), note))
    torch.set_printoptions(profile="default")
    return results


def compare(steps, theirs):
    """Prints a line per Out of the example against PyTorch's; returns the failures."""
    if [code for code, _, _ in steps] != [code for code, _, _ in theirs]:
        print("FAIL the session's code is not PyTorch's session's (regenerate it with --transcript)")
        return 1
    failures = 0
    for (code, out, _), (_, want, note) in zip(steps, theirs):
        if out is None:
            continue
        ok = want == out
        near = not ok and want is not None and within_last_digit(out, want)
        failures += not (ok or near)
        print("%-4s %-50s %s" % ("ok" if ok else "near" if near else "FAIL", code[:50], note))
        if not ok:
            print("  example:\n" + out + "\n  PyTorch:\n" + str(want))
    return failures


def transcript(steps, results):
    """The session as PyTorch prints it, in the examples' format."""
    import torch

    lines = ["# PyTorch %s's session: tests/tools/check_lecture_examples.py --transcript" % torch.__version__]
    for (code, _, number), (_, want, _) in zip(steps, results):
        lines.append("In [%s]: %s" % (number, code))
        if want is not None:
            lines.append("Out[%s]:%s%s" % (number, "\n" if "\n" in want else " ", want))
    return "\n".join(lines) + "\n"


def output_of(arg):
    if os.access(arg, os.X_OK) and not os.path.isdir(arg):
        return subprocess.run([os.path.abspath(arg)], capture_output=True, text=True, check=True).stdout
    with open(arg) as f:
        return f.read()


def main(args):
    warnings.filterwarnings("ignore", message="Using a target size")
    if args[:1] == ["--against"] and len(args) == 3:
        with open(args[1]) as f:
            theirs = [(code, out, "") for code, out, _ in session(f.read())]
        print("==", args[2], "against", args[1])
        failures = compare(session(output_of(args[2])), theirs)
    elif args[:1] == ["--transcript"] and len(args) == 2:
        steps = session(output_of(args[1]))
        sys.stdout.write(transcript(steps, run_in_torch(args[1], steps)))
        return 0
    elif args and not args[0].startswith("--"):
        try:
            import torch  # noqa: F401
        except ImportError:
            print("skipped: no torch for %s (Debian's python3-torch, /usr/bin/python3)" % sys.executable)
            return 77
        failures = 0
        for arg in args:
            print("==", arg)
            steps = session(output_of(arg))
            failures += compare(steps, run_in_torch(arg, steps))
    else:
        print(__doc__)
        return 2
    print("%d difference(s)" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
