// The compute floor's rate: rows "peak/float" and "peak/double" measure how many fused
// multiply-adds per nanosecond this binary's instruction set sustains on one core (the counter
// fma_per_ns). benchmarks/report.py divides each size's multiply-adds by it: the time the
// products alone would take at that rate (docs/performance.md, "compute floor").
//
// Each timed call runs `chains` independent chains a ← a·m + c of xsimd vectors, `steps` deep.
// Independent chains hide the FMA's latency: one needs latency × ports of them in flight
// (4 cycles × 2 ports = 8 on recent x86-64); 12 leave a margin and, with m and c, fit in the
// 16 registers of AVX2 (AVX-512 has 32), so nothing is spilled. m and c are read from volatile
// variables, so the compiler knows neither and cannot fold the chains, and the chains' sum is
// written to a volatile after each call, so they cannot be dropped (benchmark::DoNotOptimize is
// not used on m and c: with libbenchmark 1.7 it handed this code garbage, a denormal m that made
// the double row 500 × slower). With m < 1 every chain converges to c / (1 − m) = 1: no overflow,
// no denormals. The rows are registered by a static initialiser, in every binary this file is
// linked into (ctgrad_bench_*, ctgrad_sweep_*).

#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <xsimd/xsimd.hpp>

namespace {

constexpr std::size_t chains = 12;
constexpr std::size_t steps = 1024;
volatile double sink = 0;  // where each call's chains end up

template <class T>
void peak_fma(benchmark::State& state) {
    using V = xsimd::batch<T>;
    static volatile T multiplier = T(0.999), addend = T(0.001);
    const V vm(static_cast<T>(multiplier)), vc(static_cast<T>(addend));
    std::array<V, chains> a;
    a.fill(V(T(1)));
    for (auto _ : state) {
        for (std::size_t s = 0; s < steps; ++s)
            for (V& ai : a) ai = xsimd::fma(ai, vm, vc);
        V sum(T(0));
        for (const V& ai : a) sum += ai;
        sink = static_cast<double>(xsimd::hadd(sum));  // the chains' results are used
    }
    constexpr double fmas_per_call = double(steps * chains * V::size);
    // kIsRate divides by the CPU time in seconds: 1e-9 of it makes FMAs per nanosecond.
    state.counters["fma_per_ns"] =
        benchmark::Counter(double(state.iterations()) * fmas_per_call * 1e-9, benchmark::Counter::kIsRate);
}

[[maybe_unused]] const bool registered = [] {
    benchmark::RegisterBenchmark("peak/float", peak_fma<float>);
    benchmark::RegisterBenchmark("peak/double", peak_fma<double>);
    return true;
}();

}  // namespace
