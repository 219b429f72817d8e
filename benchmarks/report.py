#!/usr/bin/env python3
"""Turn the benchmark binaries' Google Benchmark JSON into docs: a Markdown table, the
performance targets (met / not met), and an SVG bar chart. Standard library only.

Subcommands:
  results  --json LABEL=FILE [--json LABEL=FILE ...] [--svg FILE] [--out FILE] [--time real|cpu]
      Reads each JSON (ideally run with --benchmark_repetitions=N
      --benchmark_report_aggregates_only=true: the median aggregate is used; a plain run's
      single figure otherwise). Writes the Markdown to stdout, or splices it into --out between
      the lines <!-- benchmark-results:begin --> and <!-- benchmark-results:end -->, and
      draws --svg (time of every implementation relative to ctgrad, log scale).
  sweep    --json LABEL=FILE [--json LABEL=FILE ...] [--failed LABEL] [--svg-dir DIR] [--out FILE]
      Reads the sweep binaries' JSON (ctgrad_sweep_*): per instruction set and precision, the
      worst and median ratio of ctgrad to Eigen, to libtorch and to max(memory floor, compute
      floor), the sweep's targets (met / not met, and why), every shape's figures, and a heat map
      DIR/sweep_LABEL.svg of ctgrad ÷ Eigen (x = N, y = K, a panel per batch and precision).
      Written to stdout, or into --out between <!-- sweep-results:begin --> and its end marker.
  splice   --out FILE --marker NAME --from FILE
      Replaces what stands between <!-- NAME:begin --> and <!-- NAME:end --> in --out with
      the contents of --from (used by run.sh for compile_cost.sh's table).

Benchmark names are IMPL/PRECISION/B=..,N=..,K=.. (benchmarks/main.cpp); IMPL is one of
ctgrad, prepared (ctgrad with the call prepared once), loop, eigen, torch, floor. The two-layer perceptron's are IMPL/PRECISION/B=..,N=..,H=..,K=..
(no floor): its sizes are (B, N, H, K), shown as (B, N, H→K), in a table of their own, after the
single-layer table and its targets, and in the same SVG panel; the targets are the single layer's.

The compute floor: the rows peak/float and peak/double (benchmarks/peak.cpp) measure the
binary's fused multiply-adds per nanosecond (counter fma_per_ns); a size's compute floor is the
multiply-adds of its matrix products at that rate (fmas() says what is counted). The memory
floor is the `floor` row (one read of x). "ctgrad ÷ max(floors)" sets ctgrad against the larger.
"""

import argparse
import json
import math
import re
import sys
from pathlib import Path

IMPLS = ["ctgrad", "prepared", "loop", "eigen", "torch", "floor"]
IMPL_TITLES = {
    "ctgrad": "ctgrad",
    "prepared": "ctgrad prepared",
    "loop": "scalar loop",
    "eigen": "Eigen",
    "torch": "libtorch",
    "floor": "memory floor",
}
COLOURS = {"ctgrad": "#d62728", "prepared": "#9467bd", "loop": "#7f7f7f", "eigen": "#1f77b4", "torch": "#ff7f0e", "floor": "#2ca02c"}
PEAK = re.compile(r"^peak/(?P<prec>float|double)$")
NAME = re.compile(r"^(?P<impl>\w+)/(?P<prec>float|double)/B=(?P<B>\d+),N=(?P<N>\d+)(?:,H=(?P<H>\d+))?,K=(?P<K>\d+)")
UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}

LECTURE = [(1, 10, 1), (1, 10, 2)]
FUSION_WINS = [(4096, 64, 1), (16384, 256, 4), (65536, 256, 1)]
BANDWIDTH = (65536, 256, 1)


def load(path, time_kind):
    """{(impl, prec, size): nanoseconds} and the context of one JSON file; size is (B, N, K), or
    (B, N, H, K) for the two-layer problem. The peak rows' FMAs per ns (median) go into the
    context, as context["peak_fma_per_ns"][prec]."""
    data = json.loads(Path(path).read_text())
    medians, singles = {}, {}
    peak, peak_singles = {}, {}
    for b in data.get("benchmarks", []):
        pm = PEAK.match(b.get("run_name", b["name"]))
        if pm and "fma_per_ns" in b and not b.get("error_occurred"):
            if b.get("run_type") == "aggregate":
                if b.get("aggregate_name") == "median":
                    peak[pm["prec"]] = b["fma_per_ns"]
            else:
                peak_singles.setdefault(pm["prec"], []).append(b["fma_per_ns"])
            continue
        m = NAME.match(b.get("run_name", b["name"]))
        if not m or b.get("error_occurred"):
            continue
        size = tuple(int(m[d]) for d in ("B", "N", "H", "K") if m[d] is not None)
        key = (m["impl"], m["prec"], size)
        ns = b[f"{time_kind}_time"] * UNIT_NS[b.get("time_unit", "ns")]
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                medians[key] = ns
        else:
            singles.setdefault(key, []).append(ns)
    for key, values in singles.items():  # no aggregates: the median of the plain runs
        if key not in medians:
            values.sort()
            medians[key] = values[len(values) // 2]
    for prec, values in peak_singles.items():
        peak.setdefault(prec, sorted(values)[len(values) // 2])
    context = dict(data.get("context", {}))
    context["peak_fma_per_ns"] = peak
    return medians, context


def fmas(size):
    """The multiply-adds of a size's matrix products, what the compute floor counts. Single
    layer (B, N, K): X·Wᵀ and Dᵀ·X, B·N·K each: 2·B·N·K. Two layers (B, N, H, K): X·W1ᵀ and
    G1ᵀ·X (B·N·H each), H·W2ᵀ, G2ᵀ·H and G2·W2 (B·H·K each; the last sends the error back
    through W2): 2·B·N·H + 3·B·H·K. The element-wise work (σ, the error, the bias sums) is not
    counted: the floor is a bound, not a model."""
    if two_layer(size):
        B, N, H, K = size
        return 2 * B * N * H + 3 * B * H * K
    B, N, K = size
    return 2 * B * N * K


def compute_floor(size, prec, ctx):
    """Nanoseconds the products of a size take at the binary's peak FMA rate (None without a peak row)."""
    rate = ctx.get("peak_fma_per_ns", {}).get(prec)
    return fmas(size) / rate if rate else None


def floors_ratio(times, ctx, prec, size, impl="ctgrad"):
    """impl's time ÷ max(memory floor, compute floor), with whichever floors exist."""
    c = times.get((impl, prec, size))
    floors = [f for f in (times.get(("floor", prec, size)), compute_floor(size, prec, ctx)) if f]
    return c / max(floors) if c and floors else None


def fmt_time(ns):
    if ns is None:
        return "–"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def fmt_ratio(r):
    return "–" if r is None else (f"{r:.2f}" if r >= 0.1 else f"{r:.2g}")


def fmt_speedup(peer_over_ctgrad):
    """"3.2× faster" when ctgrad takes less time than the peer, "1.4× slower" otherwise."""
    r = peer_over_ctgrad
    fmt = lambda v: f"{v:.2f}" if v < 100 else f"{v:.0f}"
    return f"{fmt(r)}× faster" if r >= 1 else f"{fmt(1 / r)}× slower"


def cases(times):
    """The (precision, size) pairs present, in the order: size as in main.cpp, float first."""
    seen = []
    for _, prec, size in times:
        if (prec, size) not in seen:
            seen.append((prec, size))
    order = [(1, 10, 1), (1, 10, 2), (64, 784, 10), (4096, 64, 1), (16384, 256, 4), (1024, 784, 10), (65536, 256, 1)]
    rank = lambda c: (order.index(c[1]) if c[1] in order else len(order), c[1], c[0] != "float")
    return sorted(seen, key=rank)


def two_layer(size):
    return len(size) == 4


def size_str(size):
    return "({}, {}, {}→{})".format(*size) if two_layer(size) else "({}, {}, {})".format(*size)


def table(times, impls, size_head="(B, N, K)", ctx=None):
    # Ratios: ctgrad ÷ each peer, then the prepared call ÷ the scalar loop (the lecture target's
    # figure); with the peak rows (ctx), the compute floor and ctgrad ÷ max(memory, compute floor).
    peers = [i for i in impls if i not in ("ctgrad", "prepared")] if "ctgrad" in impls else []  # none without ctgrad
    prepared_vs_loop = "prepared" in impls and "loop" in impls
    floors = bool(ctx and ctx.get("peak_fma_per_ns")) and "ctgrad" in impls
    head = [size_head, "type"] + [IMPL_TITLES[i] for i in impls] + (["compute floor"] if floors else [])
    head += [f"ctgrad ÷ {IMPL_TITLES[p]}" for p in peers]
    head += ["prepared ÷ scalar loop"] if prepared_vs_loop else []
    head += ["ctgrad ÷ max(floors)"] if floors else []
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * 2 + "---:|" * (len(head) - 2)]
    for prec, size in cases(times):
        c = times.get(("ctgrad", prec, size))
        row = [size_str(size), prec]
        row += [fmt_time(times.get((i, prec, size))) for i in impls]
        row += [fmt_time(compute_floor(size, prec, ctx))] if floors else []
        for p in peers:
            t = times.get((p, prec, size))
            row.append(fmt_ratio(c / t if c and t else None))
        if prepared_vs_loop:
            cp, loop = times.get(("prepared", prec, size)), times.get(("loop", prec, size))
            row.append(fmt_ratio(cp / loop if cp and loop else None))
        if floors:
            row.append(fmt_ratio(floors_ratio(times, ctx, prec, size)))
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def targets(times):
    """[(target, case, figure, met)] for the targets of docs/performance.md."""
    out = []

    def get(impl, prec, size):
        return times.get((impl, prec, size))

    for impl in ("ctgrad", "prepared"):
        for prec, size in cases(times):
            c, loop = get(impl, prec, size), get("loop", prec, size)
            if size in LECTURE and c and loop:
                r = c / loop
                out.append((f"lecture size: {IMPL_TITLES[impl]} ≤ 1.10 × scalar loop", f"{size_str(size)} {prec}",
                            f"{r:.3f}× the loop's time", r <= 1.10))
    for prec, size in cases(times):
        # Both ctgrad rows at the lecture's sizes, where the checks per call matter; the plain one elsewhere.
        for impl in ("ctgrad", "prepared") if size in LECTURE else ("ctgrad",):
            c = get(impl, prec, size)
            for peer in ("eigen", "torch"):
                t = get(peer, prec, size)
                if c and t:
                    out.append((f"{IMPL_TITLES[impl]} < {IMPL_TITLES[peer]}", f"{size_str(size)} {prec}",
                                fmt_speedup(t / c), c < t))
    for prec, size in cases(times):
        c = get("ctgrad", prec, size)
        best = [t for t in (get("eigen", prec, size), get("torch", prec, size)) if t]
        if size in FUSION_WINS and c and best:
            r = min(best) / c
            out.append(("ctgrad ≥ 1.5 × faster than the best of Eigen and libtorch", f"{size_str(size)} {prec}",
                        fmt_speedup(r), r >= 1.5))
    for prec, size in cases(times):
        c, f = get("ctgrad", prec, size), get("floor", prec, size)
        if size == BANDWIDTH and c and f:
            r = c / f
            out.append(("ctgrad ≤ 1.3 × the memory floor", f"{size_str(size)} {prec}", f"{r:.3f}× the floor's time", r <= 1.3))
    return out


def context_line(label, ctx):
    caches = ", ".join(f"L{c['level']} {c['size'] // 1024} KiB" for c in ctx.get("caches", []) if c.get("type") != "Instruction")
    load = ", ".join(f"{x:.2f}" for x in ctx.get("load_avg", []))
    caches = f" ({caches})" if caches else ""
    two = f", two-layer peers: {ctx['ctgrad_two_layer_peers']}" if "ctgrad_two_layer_peers" in ctx else ""
    return (f"- `{label}`: instruction set {ctx.get('ctgrad_isa', '?')}, peers: {ctx.get('ctgrad_peers', '?')}{two}; "
            f"{ctx.get('num_cpus', '?')} CPUs at {ctx.get('mhz_per_cpu', '?')} MHz{caches}; "
            f"load average during the run {load or '?'}; {ctx.get('date', '')}")


def peak_line(runs):
    """One sentence: each binary's peak FMA rate per precision, and what the compute floor counts."""
    rates = "; ".join(f"`{label}` " + ", ".join(f"{prec} {r:.1f}" for prec, r in sorted(ctx.get("peak_fma_per_ns", {}).items(), reverse=True))
                      for label, (_, ctx) in runs.items() if ctx.get("peak_fma_per_ns"))
    return ("Compute floor: the multiply-adds of the matrix products (single layer 2·B·N·K; two layers "
            "2·B·N·H + 3·B·H·K) at the binary's peak rate, measured by the rows `peak/float` and "
            f"`peak/double` in FMAs per ns: {rates}. ctgrad ÷ max(floors) sets ctgrad against the larger "
            "of it and the memory floor (the two-layer rows have the compute floor only).")


def markdown(runs, time_kind, svg_name, failed=()):
    parts = [f"Median {time_kind} time per call (loss and both gradients), generated by `benchmarks/report.py`.", ""]
    for label, (_, ctx) in runs.items():
        parts.append(context_line(label, ctx))
    for label in failed:
        parts.append(f"- `{label}`: **its cross-check failed** (an implementation disagreed with the reference): not timed")
    if any(ctx.get("peak_fma_per_ns") for _, ctx in runs.values()):
        parts += ["", peak_line(runs)]
    for label, (all_times, ctx) in runs.items():
        times = {k: v for k, v in all_times.items() if not two_layer(k[2])}
        impls = [i for i in IMPLS if any(k[0] == i for k in times)]
        parts += ["", f"#### `{label}`", "", table(times, impls, ctx=ctx), ""]
        parts += ["Targets:", "", "| target | case | figure | |", "|---|---|---:|---|"]
        for target, case, figure, met in targets(times):
            parts.append(f"| {target} | {case} | {figure} | {'met' if met else '**not met**'} |")
        two = {k: v for k, v in all_times.items() if two_layer(k[2])}
        if two:
            impls = [i for i in IMPLS if any(k[0] == i for k in two)]
            parts += ["", "Two-layer perceptron (loss and the four gradients):", "", table(two, impls, "(B, N, H→K)", ctx)]
    if svg_name:
        parts += ["", f"![time relative to ctgrad, log scale]({svg_name})"]
    return "\n".join(parts) + "\n"


def svg(runs, path):
    """Grouped bars: per case, each implementation's time ÷ ctgrad's, on a log scale."""
    panels = []
    for label, (times, _) in runs.items():
        impls = [i for i in IMPLS if i != "ctgrad" and any(k[0] == i for k in times)]  # ctgrad: the 1× line
        groups = []
        for prec, size in cases(times):
            c = times.get(("ctgrad", prec, size))
            if c:
                groups.append((f"{size_str(size)} {prec[0]}", [(i, times.get((i, prec, size)) / c if times.get((i, prec, size)) else None) for i in impls]))
        panels.append((label, impls, groups))
    ratios = [r for _, _, g in panels for _, bars in g for _, r in bars if r]
    lo = 10 ** math.floor(math.log10(min(ratios + [0.5])))
    hi = 10 ** math.ceil(math.log10(max(ratios + [2.0])))
    bar, gap, left, top, ph = 12, 20, 60, 40, 220
    n_bars = max(len(i) for _, i, _ in panels)
    width = max(left + max(len(g) for _, _, g in panels) * (n_bars * bar + gap) + 20, 840)
    panel_h = ph + 70
    height = top + len(panels) * panel_h + 30
    y = lambda r, y0: y0 + ph * (math.log10(hi) - math.log10(r)) / (math.log10(hi) - math.log10(lo))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left}" y="18" font-size="14">Time relative to ctgrad, log scale (1× = ctgrad; above the line: slower than ctgrad); f: float, d: double</text>']
    x0 = left
    for impl in IMPLS[1:]:  # legend
        out.append(f'<rect x="{x0}" y="26" width="10" height="10" fill="{COLOURS[impl]}"/>'
                   f'<text x="{x0 + 14}" y="35">{IMPL_TITLES[impl]}</text>')
        x0 += 14 + 8 * len(IMPL_TITLES[impl]) + 16
    if any("→" in name for _, _, g in panels for name, _ in g):
        out.append(f'<text x="{x0}" y="35">(B, N, H→K): the two-layer perceptron</text>')
    for p, (label, impls, groups) in enumerate(panels):
        y0 = top + 20 + p * panel_h
        out.append(f'<text x="{left}" y="{y0 - 6}" font-weight="bold">{label}</text>')
        decade = lo
        while decade <= hi * 1.0001:
            yy = y(decade, y0)
            out.append(f'<line x1="{left}" x2="{width - 20}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="{"#444" if decade == 1 else "#ddd"}"/>'
                       f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end">{decade:g}×</text>')
            decade *= 10
        for g, (name, bars) in enumerate(groups):
            gx = left + gap / 2 + g * (n_bars * bar + gap)
            for b, (impl, r) in enumerate(bars):
                if r is None:
                    continue
                y1, y2 = sorted((y(r, y0), y(1, y0)))
                out.append(f'<rect x="{gx + b * bar:.1f}" y="{y1:.1f}" width="{bar - 1}" height="{max(y2 - y1, 1):.1f}" '
                           f'fill="{COLOURS[impl]}"><title>{IMPL_TITLES[impl]} {name}: {r:.2f}× ctgrad</title></rect>')
            cx = gx + len(bars) * bar / 2
            out.append(f'<text x="{cx:.1f}" y="{y0 + ph + 12}" text-anchor="end" transform="rotate(-30 {cx:.1f} {y0 + ph + 12})">{name}</text>')
    out.append("</svg>")
    Path(path).write_text("\n".join(out) + "\n")


def splice(path, marker, content):
    text = Path(path).read_text()
    begin, end = f"<!-- {marker}:begin -->", f"<!-- {marker}:end -->"
    if begin not in text or end not in text:
        sys.exit(f"report.py: {path} has no {begin} ... {end} section")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    Path(path).write_text(f"{head}{begin}\n{content.rstrip()}\n{end}{tail}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("results")
    r.add_argument("--json", action="append", default=[], metavar="LABEL=FILE")
    r.add_argument("--failed", action="append", default=[], metavar="LABEL",
                   help="a binary whose cross-check failed: named in the report, not timed")
    r.add_argument("--svg")
    r.add_argument("--out")
    r.add_argument("--time", choices=["real", "cpu"], default="cpu")
    w = sub.add_parser("sweep")
    w.add_argument("--json", action="append", default=[], metavar="LABEL=FILE")
    w.add_argument("--failed", action="append", default=[], metavar="LABEL")
    w.add_argument("--svg-dir", help="write the heat maps DIR/sweep_LABEL.svg")
    w.add_argument("--out")
    w.add_argument("--time", choices=["real", "cpu"], default="cpu")
    s = sub.add_parser("splice")
    s.add_argument("--out", required=True)
    s.add_argument("--marker", required=True)
    s.add_argument("--from", dest="source", required=True)
    args = parser.parse_args()

    if args.command == "sweep":
        import sweep_report  # beside this file: the sweep's summary, targets and heat map

        sweep_report.run(args)
        return
    if args.command == "splice":
        splice(args.out, args.marker, Path(args.source).read_text())
        return
    runs = {}
    for item in args.json:
        label, _, path = item.partition("=")
        if not path:
            label, path = Path(item).stem, item
        runs[label] = load(path, args.time)
    svg_name = None
    if args.svg and runs:
        svg(runs, args.svg)
        svg_name = Path(args.svg).name
    text = markdown(runs, args.time, svg_name, args.failed)
    if args.out:
        splice(args.out, "benchmark-results", text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
