#!/usr/bin/env bash
# Reproduces docs/performance.md's figures: builds the two benchmark binaries (native and
# AVX2+FMA), runs each with repetitions, and writes the tables (single- and two-layer
# perceptron) and targets into docs/performance.md (between its benchmark-results markers),
# the plot docs/benchmark.svg, and compile_cost.sh's table (between the compile-cost markers).
#
# Environment:
#   BUILD_DIR  build directory          (default: <repo>/build-bench)
#   JOBS       parallel build jobs      (default: 1: the benchmark machine is small and shared)
#   REPS       repetitions per benchmark (default: 10; the median is reported)
#   MIN_TIME   seconds per repetition    (default: 0.2)
# The repetitions of all benchmarks are interleaved in random order, so that a change of load
# on a shared machine during the run hits every implementation alike.
#   FILTER     --benchmark_filter regex  (default: all)
#   SKIP_COMPILE_COST=1  leave the compile-cost section as it is
#   SKIP_THREADS=1       leave the threads section as it is (it needs an idle machine with 2 cores)
#   SKIP_SWEEP=1   leave the sweep's section as it is (else, after the tables: the sweep's
#                  binaries, built with CTGRAD_BUILD_SWEEP=ON, run with SWEEP_REPS repetitions
#                  (default 3) of SWEEP_MIN_TIME s (default 0.05), filtered by SWEEP_FILTER,
#                  into docs/performance.md's sweep-results section and docs/sweep_<isa>.svg)
# Raw JSON is kept in $BUILD_DIR/results/.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build-bench}
reps=${REPS:-10}
min_time=${MIN_TIME:-0.2}
python=/usr/bin/python3
[[ -x $python ]] || python=python3

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCTGRAD_BUILD_BENCHMARKS=ON \
      -DCTGRAD_BUILD_TESTS=OFF -DCTGRAD_BUILD_EXAMPLES=OFF -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
cmake --build "$build" -j "${JOBS:-1}" --target ctgrad_bench_native ctgrad_bench_avx2

results=$build/results
mkdir -p "$results"
# One thread for every implementation (libtorch also calls set_num_threads(1) in main.cpp).
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
status=0
# run_binary NAME REPS MIN_TIME FILTER: the benchmark binary NAME with interleaved repetitions,
# its JSON into $results/NAME.json. Fails (saying so) when its cross-check failed: it timed
# nothing; the caller reports it, goes on with the other binary and fails at the end.
run_binary() {
  local name=$1 reps=$2 min_time=$3 filter=$4 start=$SECONDS
  echo "== $name: $reps repetitions of ${min_time} s each (load: $(cut -d' ' -f1-3 /proc/loadavg))"
  if ! "$build/benchmarks/$name" \
      --benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true \
      --benchmark_enable_random_interleaving=true \
      --benchmark_min_time="$min_time" --benchmark_filter="$filter" \
      --benchmark_out="$results/$name.json" --benchmark_out_format=json; then
    echo "run.sh: $name failed (cross-check?): its rows are left out" >&2
    return 1
  fi
  echo "== $name took $((SECONDS - start)) s"
}

json_args=()
for isa in native avx2; do
  if run_binary "ctgrad_bench_$isa" "$reps" "$min_time" "${FILTER:-.}"; then
    json_args+=(--json "$isa=$results/ctgrad_bench_$isa.json")
  else
    json_args+=(--failed "$isa")
    status=1
  fi
done

"$python" "$root/benchmarks/report.py" results "${json_args[@]}" \
    --svg "$root/docs/benchmark.svg" --out "$root/docs/performance.md"
echo "wrote docs/performance.md (benchmark-results) and docs/benchmark.svg"

# The threads table (docs/performance.md "Threads"): the sharded call with 1 and 2 OpenMP
# threads, with libgomp's default wait policy and with OMP_WAIT_POLICY=passive.
if [[ -z ${SKIP_THREADS:-} ]]; then
  threads_filter='^(ctgrad|threads1|threads2|floor|floor2)/float/B=(1024,N=784,K=10|16384,N=256,K=4|65536,N=256,K=1|256,N=784,H=64,K=10)$'
  for policy in default passive; do
    echo "== threads rows, wait policy $policy (load: $(cut -d' ' -f1-3 /proc/loadavg))"
    wait_policy=()
    [[ $policy == passive ]] && wait_policy=(OMP_WAIT_POLICY=passive)
    env OMP_NUM_THREADS=2 "${wait_policy[@]}" \
      "$build/benchmarks/ctgrad_bench_native" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
      --benchmark_min_time=0.2 --benchmark_filter="$threads_filter" \
      --benchmark_out="$results/threads_$policy.json" --benchmark_out_format=json > /dev/null
  done
  "$python" "$root/benchmarks/threads_report.py" --out "$root/docs/performance.md" --out "$root/docs/scaling.md:scaling-measured" \
      --json "$results/threads_default.json" --title "**libgomp's default wait policy** (threads spin at barriers before they sleep):" \
      --json "$results/threads_passive.json" --title "**\`OMP_WAIT_POLICY=passive\`** (threads sleep at once):"
  echo "wrote docs/performance.md (threads-results) and docs/scaling.md (scaling-measured)"
fi

if [[ -z ${SKIP_SWEEP:-} ]]; then
  cmake -S "$root" -B "$build" -DCTGRAD_BUILD_SWEEP=ON
  cmake --build "$build" -j "${JOBS:-1}" --target ctgrad_sweep_native ctgrad_sweep_avx2
  sweep_args=()
  for isa in native avx2; do
    if run_binary "ctgrad_sweep_$isa" "${SWEEP_REPS:-3}" "${SWEEP_MIN_TIME:-0.05}" "${SWEEP_FILTER:-.}"; then
      sweep_args+=(--json "$isa=$results/ctgrad_sweep_$isa.json")
    else
      sweep_args+=(--failed "$isa")
      status=1
    fi
  done
  "$python" "$root/benchmarks/report.py" sweep "${sweep_args[@]}" --svg-dir "$root/docs" --out "$root/docs/performance.md"
  echo "wrote docs/performance.md (sweep-results) and docs/sweep_*.svg"
fi

if [[ -z ${SKIP_COMPILE_COST:-} ]]; then
  "$root/benchmarks/compile_cost.sh" > "$results/compile_cost.md"
  "$python" "$root/benchmarks/report.py" splice --out "$root/docs/performance.md" --marker compile-cost \
      --from "$results/compile_cost.md"
  echo "wrote docs/performance.md (compile-cost)"
fi
exit "$status"
