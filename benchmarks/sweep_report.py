"""The sweep's report (benchmarks/report.py sweep ...): from the JSON of ctgrad_sweep_* (rows
ctgrad, eigen, torch, floor and peak/PRECISION, on the grid of benchmarks/sweep_grid.cpp), per
instruction set and precision:
  - a summary: worst and median ratio ctgrad ÷ Eigen, ctgrad ÷ libtorch, ctgrad ÷ max(memory
    floor, compute floor), the worst shapes named;
  - the issue's targets, met or not, and why not;
  - every shape's figures (in a <details> block);
  - a heat map SVG per instruction set: ctgrad ÷ Eigen, x = N, y = K, a panel per batch (columns)
    and precision (rows), on a diverging log scale centred at 1 (blue: ctgrad faster).
Standard library only; shares report.py's loading and formatting."""

import math
import statistics
from pathlib import Path

import report

# The figures.
COMPUTE_TARGET = 1.6  # K ≥ 10, N ≥ 256: ctgrad ≤ 1.6 × the compute floor
MEMORY_TARGET = 1.15  # memory-bound shapes: ctgrad ≤ 1.15 × the memory floor
MEDIAN_SPEEDUP = 1.3  # median speedup over Eigen and over libtorch


def shapes(times, prec, layers):
    """The shapes of one precision with a ctgrad row, single-layer (layers = 1) or two-layer (2), sorted."""
    return sorted({size for impl, p, size in times if impl == "ctgrad" and p == prec and len(size) == layers + 2})


def shape_str(size):
    return report.size_str(size)


def ratios(times, ctx, prec, sizes, peer):
    """[(ratio, size)] of ctgrad ÷ peer ("eigen", "torch", or "floors": max(memory, compute floor))."""
    out = []
    for size in sizes:
        c = times.get(("ctgrad", prec, size))
        if peer == "floors":
            r = report.floors_ratio(times, ctx, prec, size)
        else:
            t = times.get((peer, prec, size))
            r = c / t if c and t else None
        if r is not None:
            out.append((r, size))
    return out


def worst_and_median(pairs):
    """"0.93 at (64, 17, 32); median 0.71" from [(ratio, size)]: the largest ratio is the worst for ctgrad."""
    if not pairs:
        return "–"
    worst = max(pairs)
    median = statistics.median(r for r, _ in pairs)
    return f"{report.fmt_ratio(worst[0])} at {shape_str(worst[1])}; median {report.fmt_ratio(median)}"


def summary(runs):
    lines = ["| binary | type | model | shapes | ctgrad ÷ Eigen: worst; median | ctgrad ÷ libtorch: worst; median "
             "| ctgrad ÷ max(floors): worst; median |",
             "|---|---|---|---:|---|---|---|"]
    for label, (times, ctx) in runs.items():
        for prec in ("float", "double"):
            for layers, model in ((1, "one layer"), (2, "two layers")):
                sizes = shapes(times, prec, layers)
                if not sizes:
                    continue
                cells = [worst_and_median(ratios(times, ctx, prec, sizes, peer)) for peer in ("eigen", "torch", "floors")]
                lines.append(f"| `{label}` | {prec} | {model} | {len(sizes)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def failing(pairs, limit, count=3):
    """The shapes whose ratio exceeds limit, worst first, at most `count` named."""
    bad = sorted((p for p in pairs if p[0] > limit), reverse=True)
    named = ", ".join(f"{shape_str(s)} {report.fmt_ratio(r)}" for r, s in bad[:count])
    more = f" and {len(bad) - count} more" if len(bad) > count else ""
    return bad, named + more


def l2_bytes(ctx):
    """The per-core L2 cache of the run's machine (Google Benchmark's context), 1 MiB if unknown."""
    sizes = [c["size"] for c in ctx.get("caches", []) if c.get("level") == 2 and c.get("type") != "Instruction"]
    return max(sizes) if sizes else 1 << 20


def targets(times, ctx, prec):
    """[(target, figure, met, reason)] for one binary and precision."""
    out = []
    one, two = shapes(times, prec, 1), shapes(times, prec, 2)

    # 1. Compute-bound shapes near the compute floor.
    big = [s for s in one if s[2] >= 10 and s[1] >= 256]
    pairs = []
    for s in big:
        c, f = times.get(("ctgrad", prec, s)), report.compute_floor(s, prec, ctx)
        if c and f:
            pairs.append((c / f, s))
    if pairs:
        bad, named = failing(pairs, COMPUTE_TARGET)
        out.append((f"K ≥ 10, N ≥ 256: ctgrad ≤ {COMPUTE_TARGET} × the compute floor ({len(pairs)} shapes)",
                    f"worst {report.fmt_ratio(max(pairs)[0])} at {shape_str(max(pairs)[1])}, "
                    f"median {report.fmt_ratio(statistics.median(r for r, _ in pairs))}",
                    not bad, f"{len(bad)} of {len(pairs)} above: {named}" if bad else ""))

    # 2. Faster than Eigen and libtorch on every shape, by a median of 1.3 ×.
    for peer in ("eigen", "torch"):
        pairs = ratios(times, ctx, prec, one + two, peer)
        if not pairs:
            continue
        title = report.IMPL_TITLES[peer]
        bad, named = failing(pairs, 1.0)
        worst = max(pairs)
        out.append((f"every shape: ctgrad faster than {title} (worst ratio < 1.0; {len(pairs)} shapes)",
                    f"worst {report.fmt_ratio(worst[0])} at {shape_str(worst[1])}", not bad,
                    f"slower on {len(bad)} of {len(pairs)}: {named}" if bad else ""))
        speedup = statistics.median(1 / r for r, _ in pairs)
        out.append((f"median speedup over {title} ≥ {MEDIAN_SPEEDUP} ×", f"{speedup:.2f} ×",
                    speedup >= MEDIAN_SPEEDUP, f"{speedup:.2f} × < {MEDIAN_SPEEDUP} ×" if speedup < MEDIAN_SPEEDUP else ""))

    # 3. Memory-bound shapes near the memory floor: those whose x does not fit in the L2 cache
    # (the floor then streams it from further out) and whose one read of x takes longer than
    # their products at the peak rate. Shapes in L2 with a small K are not counted: there the
    # floor is an L2 read of a few µs, and the work neither floor counts (σ per output, the
    # call's fixed cost) dominates any implementation.
    l2 = l2_bytes(ctx)
    pairs = []
    for s in one:
        c, m, f = times.get(("ctgrad", prec, s)), times.get(("floor", prec, s)), report.compute_floor(s, prec, ctx)
        x_bytes = s[0] * s[1] * (4 if prec == "float" else 8)
        if c and m and f and m >= f and x_bytes > l2:
            pairs.append((c / m, s))
    if pairs:
        bad, named = failing(pairs, MEMORY_TARGET)
        out.append((f"memory-bound shapes (x > L2, memory floor ≥ compute floor; {len(pairs)}): "
                    f"ctgrad ≤ {MEMORY_TARGET} × the memory floor",
                    f"worst {report.fmt_ratio(max(pairs)[0])} at {shape_str(max(pairs)[1])}, "
                    f"median {report.fmt_ratio(statistics.median(r for r, _ in pairs))}", not bad,
                    f"{len(bad)} of {len(pairs)} above: {named}" if bad else ""))
    return out


def targets_table(runs):
    lines = ["| binary | type | target | figure | | why not |", "|---|---|---|---|---|---|"]
    for label, (times, ctx) in runs.items():
        for prec in ("float", "double"):
            for target, figure, met, reason in targets(times, ctx, prec):
                lines.append(f"| `{label}` | {prec} | {target} | {figure} | {'met' if met else '**not met**'} | {reason} |")
    return "\n".join(lines)


def details(label, times, ctx):
    head = ["shape", "type", "ctgrad", "Eigen", "libtorch", "memory floor", "compute floor",
            "ctgrad ÷ Eigen", "ctgrad ÷ libtorch", "ctgrad ÷ max(floors)"]
    lines = [f"<details><summary>Every shape of <code>{label}</code></summary>", "",
             "| " + " | ".join(head) + " |", "|---|---|" + "---:|" * (len(head) - 2)]
    for prec in ("float", "double"):
        for size in shapes(times, prec, 1) + shapes(times, prec, 2):
            get = lambda impl: times.get((impl, prec, size))
            c = get("ctgrad")
            ratio = lambda peer: report.fmt_ratio(c / get(peer) if c and get(peer) else None)
            lines.append("| " + " | ".join([
                shape_str(size), prec, report.fmt_time(c), report.fmt_time(get("eigen")), report.fmt_time(get("torch")),
                report.fmt_time(get("floor")), report.fmt_time(report.compute_floor(size, prec, ctx)),
                ratio("eigen"), ratio("torch"), report.fmt_ratio(report.floors_ratio(times, ctx, prec, size))]) + " |")
    lines += ["", "</details>"]
    return "\n".join(lines)


def colour(r):
    """Diverging: white at 1, blue below (ctgrad faster), red above; saturated at 4× either way."""
    t = max(-1.0, min(1.0, math.log(r) / math.log(4)))
    end = (33, 102, 172) if t < 0 else (178, 24, 43)
    rgb = [round(255 + (e - 255) * abs(t)) for e in end]
    return "#{:02x}{:02x}{:02x}".format(*rgb), abs(t) > 0.6


def heat_map(label, times, path):
    """One SVG: a panel per (precision, batch), x = N, y = K (K grows upwards), ctgrad ÷ Eigen per cell."""
    precs = [p for p in ("float", "double") if shapes(times, p, 1)]
    one = {p: shapes(times, p, 1) for p in precs}
    Bs = sorted({s[0] for p in precs for s in one[p]})
    Ns = sorted({s[1] for p in precs for s in one[p]})
    Ks = sorted({s[2] for p in precs for s in one[p]})
    cw, ch, left, top, gap = 50, 26, 44, 64, 30
    pw, ph = len(Ns) * cw, len(Ks) * ch
    width = left + len(Bs) * (pw + left + gap)
    height = top + len(precs) * (ph + 60) + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left}" y="18" font-size="14">ctgrad time ÷ Eigen time, {label}: blue = ctgrad faster, red = slower '
           f'(log scale, saturated at 0.25 and 4); x: N, y: K</text>']
    lx = left  # legend
    for i, r in enumerate((0.25, 0.5, 0.8, 1.0, 1.25, 2, 4)):
        fill, dark = colour(r)
        out.append(f'<rect x="{lx + i * 44}" y="28" width="44" height="16" fill="{fill}" stroke="#999"/>'
                   f'<text x="{lx + i * 44 + 22}" y="40" text-anchor="middle" fill="{"white" if dark else "black"}">{r:g}</text>')
    for row, prec in enumerate(precs):
        for col, B in enumerate(Bs):
            x0 = left + col * (pw + left + gap)
            y0 = top + 20 + row * (ph + 60)
            out.append(f'<text x="{x0}" y="{y0 - 6}" font-weight="bold">{prec}, B = {B}</text>')
            for j, K in enumerate(Ks):
                yy = y0 + (len(Ks) - 1 - j) * ch
                out.append(f'<text x="{x0 - 4}" y="{yy + ch / 2 + 4}" text-anchor="end">{K}</text>')
                for i, N in enumerate(Ns):
                    c, e = times.get(("ctgrad", prec, (B, N, K))), times.get(("eigen", prec, (B, N, K)))
                    xx = x0 + i * cw
                    if not (c and e):
                        out.append(f'<rect x="{xx}" y="{yy}" width="{cw}" height="{ch}" fill="#eee" stroke="white"/>')
                        continue
                    r = c / e
                    fill, dark = colour(r)
                    out.append(f'<rect x="{xx}" y="{yy}" width="{cw}" height="{ch}" fill="{fill}" stroke="white">'
                               f'<title>({B}, {N}, {K}) {prec}: ctgrad {report.fmt_time(c)}, Eigen {report.fmt_time(e)}</title></rect>'
                               f'<text x="{xx + cw / 2}" y="{yy + ch / 2 + 4}" text-anchor="middle" '
                               f'fill="{"white" if dark else "black"}">{report.fmt_ratio(r)}</text>')
            for i, N in enumerate(Ns):
                out.append(f'<text x="{x0 + i * cw + cw / 2}" y="{y0 + ph + 14}" text-anchor="middle">{N}</text>')
            out.append(f'<text x="{x0 + pw / 2}" y="{y0 + ph + 28}" text-anchor="middle">N</text>')
            out.append(f'<text x="{x0 - 30}" y="{y0 + ph / 2}" text-anchor="middle" '
                       f'transform="rotate(-90 {x0 - 30} {y0 + ph / 2})">K</text>')
    out.append("</svg>")
    Path(path).write_text("\n".join(out) + "\n")


def markdown(runs, svg_names, failed=()):
    parts = ["Median CPU time per call of the sweep's binaries, generated by `benchmarks/report.py sweep`.", ""]
    for label, (_, ctx) in runs.items():
        parts.append(report.context_line(label, ctx) + f"; grid: {ctx.get('ctgrad_sweep_grid', '?')}")
    for label in failed:
        parts.append(f"- `{label}`: **its cross-check failed** (an implementation disagreed with the reference): not timed")
    if runs:
        parts += ["", report.peak_line(runs), "", "Summary (a ratio below 1: ctgrad takes less time):", "", summary(runs),
                  "", "Targets:", "", targets_table(runs), ""]
    for label, (times, ctx) in runs.items():
        if label in svg_names:
            parts += [f"![ctgrad ÷ Eigen over the grid, {label}]({svg_names[label]})", ""]
        parts += [details(label, times, ctx), ""]
    return "\n".join(parts)


def run(args):
    """The sweep subcommand of report.py."""
    runs = {}
    for item in args.json:
        label, _, path = item.partition("=")
        runs[label] = report.load(path, args.time)
    svg_names = {}
    if args.svg_dir:
        for label, (times, _) in runs.items():
            path = Path(args.svg_dir) / f"sweep_{label}.svg"
            heat_map(label, times, path)
            svg_names[label] = path.name
    text = markdown(runs, svg_names, args.failed)
    if args.out:
        report.splice(args.out, "sweep-results", text)
    else:
        print(text)
