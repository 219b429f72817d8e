#pragma once
// The machinery every benchmark binary shares (main.cpp: ctgrad_bench_*; sweep_main.cpp:
// ctgrad_sweep_*): the cross-check of one implementation against the double-precision scalar
// loop, the timed loop of a registered row, and the command line (--smoke, then Google
// Benchmark's flags). One copy, so that the table and the sweep check and time alike.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "problem.hpp"

namespace bench {

/// "float" or "double": the PRECISION part of a benchmark's name.
template <class T>
constexpr const char* precision_name() {
    return sizeof(T) == sizeof(float) ? "float" : "double";
}

/// "loss 1.00e-07, dw 2.00e-07, db 3.00e-07" (with_names) or "1.00e-07, 2.00e-07, 3.00e-07".
template <class Result>
std::string describe(const errors& e, bool with_names) {
    std::string s;
    auto add = [&](const char* name, double error) {
        char figure[32];
        std::snprintf(figure, sizeof figure, "%.2e", error);
        s += (s.empty() ? "" : ", ") + (with_names ? std::string(name) + " " : std::string()) + figure;
    };
    add("loss", e.loss);
    for (std::size_t i = 0; i < e.gradients.size(); ++i) add(Result::gradient_names[i], e.gradients[i]);
    return s;
}

/// Runs Peer twice on the problem (the second call must agree too: state carried from one call
/// to the next is checked) and compares its loss and gradients with the reference; prints one
/// line "check NAME relative error E ok|MISMATCH" and returns whether it is within tolerance.
template <class Peer, class Problem>
bool cross_check(const std::string& name, const Problem& p, const typename Problem::reference_type& reference) {
    using T = typename Problem::value_type;
    using result = typename Problem::result_type;
    Peer peer(p);
    result r(p.size);
    peer.run(r);
    const errors first = compare(r, reference);
    peer.run(r);
    const errors second = compare(r, reference);
    const double error = std::max(first.worst(), second.worst());
    const bool ok = error <= tolerance<T>();
    std::printf("check %-42s relative error %.2e  %s\n", name.c_str(), error, ok ? "ok" : "MISMATCH");
    if (!ok)
        std::printf("      %s (first call); %s (second call)\n", describe<result>(first, true).c_str(),
                    describe<result>(second, false).c_str());
    return ok;
}

/// The timed loop of one row: Peer's run() on the problem, as often as Google Benchmark asks;
/// "bytes_per_second" is the rate at which x, the one input every implementation must read,
/// is consumed; a sharded call (peers/ctgrad_threads.hpp) also reports its layout's count as
/// the counter "shards" (threads_report.py).
template <class Peer, class Problem>
void time_calls(benchmark::State& state, const Problem& p) {
    Peer peer(p);
    typename Problem::result_type r(p.size);
    for (auto _ : state) {
        peer.run(r);
        benchmark::DoNotOptimize(r.loss);
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(
        static_cast<std::int64_t>(state.iterations() * p.x.size() * sizeof(typename Problem::value_type)));
    if constexpr (requires { peer.shards(); })
        state.counters["shards"] = static_cast<double>(peer.shards());
}

/// Cross-checks Peer on the problem (unless `reference` is null: the floor computes no
/// gradients), then registers its row "IMPL/PRECISION/SIZE", timed by time_calls. Returns the
/// check's verdict: main.cpp (the table) and sweep.hpp (the sweep) register every row with it.
template <class Peer, class Problem>
bool check_and_time(const char* impl, const std::shared_ptr<const Problem>& p,
                    const typename Problem::reference_type* reference) {
    const std::string name =
        std::string(impl) + "/" + precision_name<typename Problem::value_type>() + "/" + size_name(p->size);
    const bool ok = reference == nullptr || cross_check<Peer>(name, *p, *reference);
    benchmark::RegisterBenchmark(name.c_str(), [p](benchmark::State& state) { time_calls<Peer>(state, *p); });
    return ok;
}

/// " eigen torch": the optional peers this binary was built with (Eigen, libtorch), each after
/// a space, for the JSON's context (report.py lists them).
inline std::string optional_peers() {
    return std::string()
#ifdef CTGRAD_BENCH_HAVE_EIGEN
           + " eigen"
#endif
#ifdef CTGRAD_BENCH_HAVE_TORCH
           + " torch"
#endif
        ;
}

/// The command line for Google Benchmark: argv without our --smoke; with it, a minimal time per
/// benchmark first (later flags still override it). The strings live as long as the program.
inline std::vector<char*> benchmark_arguments(int argc, char** argv) {
    static std::string min_time = "--benchmark_min_time=0.001";
    std::vector<char*> args;
    bool smoke = false;
    for (int i = 0; i < argc; ++i) {
        if (i > 0 && std::string_view(argv[i]) == "--smoke")
            smoke = true;
        else
            args.push_back(argv[i]);
    }
    if (smoke) args.insert(args.begin() + 1, min_time.data());
    return args;
}

/// After the rows are registered: if every cross-check passed (`ok`), runs the benchmarks
/// Google Benchmark's flags select and returns 0; otherwise says so and returns 1, timing
/// nothing (2 for an unknown flag).
inline int run_checked_benchmarks(bool ok, std::vector<char*> args) {
    std::fflush(stdout);
    if (!ok) {
        std::fprintf(stderr, "cross-check FAILED: an implementation disagrees with the reference; nothing timed\n");
        return 1;
    }
    std::printf("cross-check: all implementations agree with the double-precision reference\n");
    std::fflush(stdout);
    int count = static_cast<int>(args.size());
    args.push_back(nullptr);
    benchmark::Initialize(&count, args.data());
    if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 2;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}

}  // namespace bench
