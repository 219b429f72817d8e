// ctgrad's benchmark: the loss and the gradients of w and b of the lecture's batched
// perceptron (benchmarks/problem.hpp), timed for six implementations (benchmarks/peers/):
//   ctgrad  value_and_grad(E, wrt(w, b)), one fused SIMD pass, the data checked every call
//   prepared  the same program prepared once for the buffers (step.prepare): checked once
//   loop    the hand-written scalar closed form
//   eigen   the closed form with Eigen's matrix products      (if built with Eigen)
//   torch   libtorch's autograd, one thread                    (if built with libtorch)
//   floor   one SIMD pass that only reads x: the memory floor
// on the sizes below, float for all and double for the first three. Benchmarks are named
// "IMPL/PRECISION/B=..,N=..,K=.." (benchmarks/report.py parses the names).
//
// A second problem, the two-layer perceptron of benchmarks/two_layer_problem.hpp, is timed at
// (B, N, H→K) = (256, 784, 64→10), float and double, for ctgrad, loop, eigen and torch (no
// floor); its benchmarks are named "IMPL/PRECISION/B=..,N=..,H=..,K=..".
//
// Before anything is timed, every implementation is run (twice, so that state carried from
// one call to the next is checked too) on every size and precision, and its loss and
// gradients are compared with its problem's scalar loop in double precision; any mismatch is
// printed and the program exits with status 1 without timing anything.
//
// Also an Adam step (ctgrad::optim::adam) against libtorch's and a memory floor: benchmarks/optimizers.cpp;
// and the forward pass, value(o) and value(argmax(z, k)), against Eigen's σ(X·Wᵀ + b) and a
// scalar loop: benchmarks/forward.cpp.
//
// Usage: ctgrad_bench [--smoke] [Google Benchmark flags]
//   --smoke  the cross-checks, then every benchmark for a minimal time (CTest: benchmarks.smoke.*)

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include <xsimd/xsimd.hpp>

#include "harness.hpp"
#include "peers/ctgrad.hpp"
#include "peers/floor.hpp"
#include "peers/scalar_loop.hpp"
#include "peers/scalar_loop_two_layer.hpp"
#include "problem.hpp"
#include "two_layer_problem.hpp"
#include "peers/ctgrad_two_layer.hpp"
#ifdef CTGRAD_BENCH_HAVE_EIGEN
#include "peers/eigen.hpp"
#include "peers/eigen_two_layer.hpp"
#endif
#ifdef CTGRAD_BENCH_HAVE_TORCH
#include "peers/torch.hpp"
#endif
#ifdef _OPENMP
#include "peers/ctgrad_threads.hpp"
#endif

namespace bench {
bool add_optimizer_benchmarks();  // benchmarks/optimizers.cpp
bool add_forward_benchmarks();    // benchmarks/forward.cpp
}  // namespace bench

namespace {

using bench::problem;
using bench::size3;
using bench::size4;
using bench::two_layer_problem;


#ifdef CTGRAD_BENCH_HAVE_EIGEN
// Which Eigen peer serves which problem.
template <class Problem>
struct eigen_peer_of;
template <class T>
struct eigen_peer_of<problem<T>> {
    using type = bench::eigen_peer<T>;
};
template <class T>
struct eigen_peer_of<two_layer_problem<T>> {
    using type = bench::eigen_two_layer<T>;
};
#endif

// The implementations every problem has, after ctgrad and in this order: its scalar loop Loop,
// then Eigen and libtorch where they were found.
template <class Loop, class Problem>
bool check_and_time_peers(const std::shared_ptr<const Problem>& p,
                              const typename Problem::reference_type& reference) {
    bool ok = bench::check_and_time<Loop>("loop", p, &reference);
#ifdef CTGRAD_BENCH_HAVE_EIGEN
    ok &= bench::check_and_time<typename eigen_peer_of<Problem>::type>("eigen", p, &reference);
#endif
#ifdef CTGRAD_BENCH_HAVE_TORCH
    ok &= bench::check_and_time<bench::torch_peer<Problem>>("torch", p, &reference);
#endif
    return ok;
}

// Every implementation on one size and precision. N and K are template arguments because
// ctgrad's model has static feature and output axes.
template <class T, std::size_t B, std::size_t N, std::size_t K>
bool add_size() {
    constexpr size3 size{B, N, K};
    const auto p = std::make_shared<const problem<T>>(size);
    bench::result<double> reference(size);
    const problem<double> p64 = p->template as<double>();
    bench::scalar_loop<double>(p64).run(reference);

    bool ok = true;
    ok &= bench::check_and_time<bench::ctgrad_peer<T, N, K>>("ctgrad", p, &reference);
    ok &= bench::check_and_time<bench::ctgrad_prepared_peer<T, N, K>>("prepared", p, &reference);
    ok &= check_and_time_peers<bench::scalar_loop<T>>(p, reference);
    ok &= bench::check_and_time<bench::memory_floor<T>>("floor", p, nullptr);
    return ok;
}

// Every implementation of the two-layer problem on one size and precision (static N, H, K
// for ctgrad, as above). The double problem is made directly: it holds the same numbers.
template <class T, std::size_t B, std::size_t N, std::size_t H, std::size_t K>
bool add_two_layer_size() {
    constexpr size4 size{B, N, H, K};
    const auto p = std::make_shared<const two_layer_problem<T>>(size);
    bench::two_layer_result<double> reference(size);
    const two_layer_problem<double> p64(size);
    bench::scalar_loop_two_layer<double>(p64).run(reference);

    bool ok = true;
    ok &= bench::check_and_time<bench::ctgrad_two_layer<T, N, H, K>>("ctgrad", p, &reference);
    ok &= check_and_time_peers<bench::scalar_loop_two_layer<T>>(p, reference);
    return ok;
}

// The sharded call with 1 and 2 OpenMP threads (rows threads1, threads2), and the memory
// floor read by two threads (floor2) where `floor` is set: the scaling rows of docs/performance.md.
template <class T, std::size_t B, std::size_t N, std::size_t K>
bool add_threads_size(bool floor) {
#ifdef _OPENMP
    constexpr size3 size{B, N, K};
    const auto p = std::make_shared<const problem<T>>(size);
    bench::result<double> reference(size);
    bench::scalar_loop<double>(p->template as<double>()).run(reference);
    bool ok = bench::check_and_time<bench::ctgrad_threads_single<T, N, K, 1>>("threads1", p, &reference);
    ok &= bench::check_and_time<bench::ctgrad_threads_single<T, N, K, 2>>("threads2", p, &reference);
    if (floor)
        ok &= bench::check_and_time<bench::memory_floor_2<T>>("floor2", p, nullptr);
    return ok;
#else
    (void)floor;
    return true;
#endif
}
template <class T, std::size_t B, std::size_t N, std::size_t H, std::size_t K>
bool add_threads_two_layer_size() {
#ifdef _OPENMP
    constexpr size4 size{B, N, H, K};
    const auto p = std::make_shared<const two_layer_problem<T>>(size);
    bench::two_layer_result<double> reference(size);
    bench::scalar_loop_two_layer<double>(two_layer_problem<double>(size)).run(reference);
    bool ok = bench::check_and_time<bench::ctgrad_threads_two_layer<T, N, H, K, 1>>("threads1", p, &reference);
    ok &= bench::check_and_time<bench::ctgrad_threads_two_layer<T, N, H, K, 2>>("threads2", p, &reference);
    return ok;
#else
    return true;
#endif
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<char*> args = bench::benchmark_arguments(argc, argv);  // --smoke taken out

#ifdef CTGRAD_BENCH_HAVE_TORCH
    bench::set_torch_threads(1);
#endif
    benchmark::AddCustomContext("ctgrad_isa", xsimd::default_arch::name());
    const std::string optional_peers = bench::optional_peers();
    benchmark::AddCustomContext("ctgrad_peers", "ctgrad prepared loop" + optional_peers + " floor");
    benchmark::AddCustomContext("ctgrad_two_layer_peers", "ctgrad loop" + optional_peers);
    std::printf("instruction set: %s\n", xsimd::default_arch::name());

    bool ok = true;
    ok &= add_size<float, 1, 10, 1>();  // the lecture's sizes
    ok &= add_size<double, 1, 10, 1>();
    ok &= add_size<float, 1, 10, 2>();
    ok &= add_size<double, 1, 10, 2>();
    ok &= add_size<float, 64, 784, 10>();  // a mini-batch of MNIST
    ok &= add_size<double, 64, 784, 10>();
    ok &= add_size<float, 4096, 64, 1>();
    ok &= add_size<float, 16384, 256, 4>();
    ok &= add_size<float, 1024, 784, 10>();
    ok &= add_size<float, 65536, 256, 1>();  // 64 MiB of x: bandwidth-bound
    ok &= add_two_layer_size<float, 256, 784, 64, 10>();  // the two-layer perceptron on MNIST
    ok &= add_two_layer_size<double, 256, 784, 64, 10>();
    ok &= add_threads_size<float, 16384, 256, 4>(false);  // threads: the scaling rows
    ok &= add_threads_size<float, 1024, 784, 10>(false);
    ok &= add_threads_size<float, 65536, 256, 1>(true);
    ok &= add_threads_two_layer_size<float, 256, 784, 64, 10>();
    ok &= bench::add_optimizer_benchmarks();
    ok &= bench::add_forward_benchmarks();
    return bench::run_checked_benchmarks(ok, std::move(args));
}
