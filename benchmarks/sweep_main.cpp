// The sweep's binaries, ctgrad_sweep_native / ctgrad_sweep_avx2 (and CI's ctgrad_sweep_smoke):
// ctgrad, Eigen, libtorch and the memory floor on a grid of shapes (sweep.hpp), plus the peak
// FMA rows of peak.cpp. Same command line as ctgrad_bench_*: [--smoke] [Google Benchmark flags].

#include <cstdio>
#include <string>
#include <utility>
#include <vector>
#include <xsimd/xsimd.hpp>

#include "harness.hpp"
#include "sweep.hpp"
#ifdef CTGRAD_BENCH_HAVE_TORCH
#include "peers/torch.hpp"
#endif

int main(int argc, char** argv) {
    std::vector<char*> args = bench::benchmark_arguments(argc, argv);
#ifdef CTGRAD_BENCH_HAVE_TORCH
    bench::set_torch_threads(1);
#endif
    benchmark::AddCustomContext("ctgrad_isa", xsimd::default_arch::name());
    benchmark::AddCustomContext("ctgrad_sweep_grid", bench::sweep::grid_name());
    const std::string peers = "ctgrad" + bench::optional_peers();
    benchmark::AddCustomContext("ctgrad_peers", peers + " floor");
    benchmark::AddCustomContext("ctgrad_two_layer_peers", peers);
    std::printf("instruction set: %s; sweep grid: %s\n", xsimd::default_arch::name(), bench::sweep::grid_name());
    const bool ok = bench::sweep::add_grid();
    return bench::run_checked_benchmarks(ok, std::move(args));
}
