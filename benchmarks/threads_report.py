#!/usr/bin/env python3
"""The scaling table of docs/performance.md ("Threads"), from one JSON run of the threads rows.

    threads_report.py --json FILE [--title TEXT] ... [--out FILE[:MARKER]] ...

FILE is Google Benchmark's JSON of the command in docs/performance.md (rows ctgrad, threads1,
threads2, floor, floor2 with repetitions and aggregates; wall time, since with threads the CPU
time is the calling thread's alone); several --json give one table each. Writes the Markdown to
stdout, or splices it into each --out between <!-- MARKER:begin --> and <!-- MARKER:end -->
(MARKER: threads-results unless given). Standard library only; the row names and the splice
are report.py's.

Targets (issue "Every core"): 2 threads ≥ 1.8 × faster than 1 at (1024, 784, 10), (16384, 256, 4)
and the two-layer row; (65536, 256, 1) within 1.2 × of the two-thread memory floor; no size
slower with 2 threads than with 1.
"""

import argparse
import json
from pathlib import Path

from report import NAME, UNIT_NS, fmt_time, size_str, splice

SPEEDUP_SIZES = [(1024, 784, 10), (16384, 256, 4), (256, 784, 64, 10)]
BANDWIDTH = (65536, 256, 1)


def load(path):
    """{(impl, size): (wall ns, cpu ns)} of the median aggregates, the shard counts by size, the context."""
    data = json.loads(Path(path).read_text())
    times, shards = {}, {}
    for b in data.get("benchmarks", []):
        m = NAME.match(b.get("run_name", b["name"]))
        if not m or b.get("error_occurred") or b.get("aggregate_name") != "median":
            continue
        size = tuple(int(m[d]) for d in ("B", "N", "H", "K") if m[d] is not None)
        scale = UNIT_NS[b.get("time_unit", "ns")]
        times[(m["impl"], size)] = (b["real_time"] * scale, b["cpu_time"] * scale)
        if "shards" in b:
            shards[size] = int(b["shards"])
    return times, shards, data.get("context", {})


def both(t):
    return "–" if t is None else f"{fmt_time(t[0])} ({fmt_time(t[1])})"


def markdown(times, shards, ctx, title):
    load = ", ".join(f"{x:.2f}" for x in ctx.get("load_avg", []))
    lines = []
    if title:
        lines += [title, ""]
    lines += [f"Measured {ctx.get('date', '?')}, {ctx.get('num_cpus', '?')} CPUs, instruction set "
              f"{ctx.get('ctgrad_isa', '?')}, load average {load or '?'} at the end of the run. "
              "Medians of wall time (CPU time of the calling thread in brackets):", ""]
    lines += ["| size | shards | serial call | 1 thread (sharded) | 2 threads | 1 thread ÷ 2 threads | target "
              "| memory floor: 1 / 2 threads | 2 threads ÷ 2-thread floor |",
              "|---|---:|---:|---:|---:|---:|---|---:|---:|"]
    sizes = sorted({s for (impl, s) in times if impl.startswith("threads")}, key=lambda s: (len(s), s))
    for size in sizes:
        serial, one, two = times.get(("ctgrad", size)), times.get(("threads1", size)), times.get(("threads2", size))
        f1, f2 = times.get(("floor", size)), times.get(("floor2", size))
        speedup = one[0] / two[0] if one and two else None
        verdicts = []
        if speedup is not None and size in SPEEDUP_SIZES:
            verdicts.append("≥ 1.8×: " + ("met" if speedup >= 1.8 else "**not met**"))
        floor_ratio = two[0] / f2[0] if two and f2 else None
        if floor_ratio is not None and size == BANDWIDTH:
            verdicts.append("≤ 1.2 × floor2: " + ("met" if floor_ratio <= 1.2 else "**not met**"))
        if speedup is not None:
            verdicts.append("not slower: " + ("met" if speedup >= 1.0 else "**not met**"))
        lines.append("| " + " | ".join([
            size_str(size), str(shards.get(size, "?")), both(serial), both(one), both(two),
            "–" if speedup is None else f"{speedup:.2f}×", "; ".join(verdicts) or "–",
            f"{fmt_time(f1[0])} / {fmt_time(f2[0])}" if f1 and f2 else "–",
            "–" if floor_ratio is None else f"{floor_ratio:.2f}"]) + " |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", required=True, action="append", help="one run; several: one table each, in order")
    parser.add_argument("--title", action="append", default=[], help="a heading line per --json, in order")
    parser.add_argument("--out", action="append", default=[], metavar="FILE[:MARKER]",
                        help="splice into FILE between the MARKER (default threads-results) markers")
    args = parser.parse_args()
    parts = []
    for i, path in enumerate(args.json):
        times, shards, ctx = load(path)
        parts.append(markdown(times, shards, ctx, args.title[i] if i < len(args.title) else ""))
    text = "\n".join(parts)
    for out in args.out:
        path, _, marker = out.partition(":")
        splice(path, marker or "threads-results", text)
    if not args.out:
        print(text, end="")


if __name__ == "__main__":
    main()
