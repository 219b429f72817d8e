// One Adam step (torch.optim.Adam's defaults) over a float parameter of n elements, n = 784·10
// (the lecture's MNIST layer) and 2^20, for
//   ctgrad  ctgrad::optim::adam<float>: one SIMD pass over param, grad, exp_avg, exp_avg_sq
//   torch   libtorch's torch::optim::Adam, one thread                 (if built with libtorch)
//   floor   one SIMD pass with Adam's memory traffic and no arithmetic to speak of: read param,
//           grad, exp_avg, exp_avg_sq, write param, exp_avg, exp_avg_sq (each += grad)
// Named "adam/IMPL/float/n=N" (benchmarks/report.py's tables leave these rows out: they are
// not the perceptron's). Before timing, ctgrad's parameters after 5 steps are compared with
// libtorch's (relative 1e-5 of the largest magnitude: libtorch's C++ Adam is not torch.optim's
// Python loop operation for operation; tests/unit/test_optimizers.cpp is the exact check).

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <ctgrad/optim/adam.hpp>
#include <string>
#include <vector>
#include <xsimd/xsimd.hpp>

#ifdef CTGRAD_BENCH_HAVE_TORCH
#include "peers/torch_optim.hpp"
#endif

namespace bench {

namespace {

/// Deterministic values in [-1, 1) (a 32-bit linear congruential generator).
std::vector<float> values(std::size_t n, std::uint32_t seed) {
    std::vector<float> v(n);
    for (float& x : v) {
        seed = seed * 1664525u + 1013904223u;
        x = static_cast<float>(seed >> 8) * 0x1p-23f - 1.0f;
    }
    return v;
}

/// Adam's memory traffic with one add per stream: the floor a step over these buffers cannot beat.
void floor_pass(float* p, const float* g, float* m, float* v, std::size_t n) {
    using V = xsimd::batch<float>;
    constexpr std::size_t L = V::size;
    std::size_t i = 0;
    for (; i + L <= n; i += L) {
        const V gi = V::load_unaligned(g + i);
        (V::load_unaligned(p + i) + gi).store_unaligned(p + i);
        (V::load_unaligned(m + i) + gi).store_unaligned(m + i);
        (V::load_unaligned(v + i) + gi).store_unaligned(v + i);
    }
    for (; i < n; ++i) {
        p[i] += g[i];
        m[i] += g[i];
        v[i] += g[i];
    }
}

std::string row(const char* impl, std::size_t n) {
    return std::string("adam/") + impl + "/float/n=" + std::to_string(n);
}

void set_bytes(benchmark::State& state, std::size_t n) {
    // 4 arrays read, 3 written.
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n * sizeof(float) * 7));
}

bool add_adam_size(std::size_t n) {
    const auto p0 = values(n, 1), g = values(n, 2);
    bool ok = true;
#ifdef CTGRAD_BENCH_HAVE_TORCH
    {
        std::vector<float> p = p0;
        ctgrad::optim::adam<float> opt({n}, {});
        torch_adam peer(p0, g, 1e-3);
        for (int s = 0; s < 5; ++s) {
            opt.step(p, g);
            peer.step();
        }
        const auto q = peer.param();
        double error = 0, largest = 0;
        for (std::size_t i = 0; i < n; ++i) {
            error = std::max(error, std::abs(static_cast<double>(p[i]) - static_cast<double>(q[i])));
            largest = std::max(largest, std::abs(static_cast<double>(q[i])));
        }
        const double relative = error / std::max(largest, 1e-30);
        ok = relative <= 1e-5;
        std::printf("check %-42s relative error %.2e  %s\n", row("ctgrad", n).c_str(), relative, ok ? "ok" : "MISMATCH");
    }
    benchmark::RegisterBenchmark(row("torch", n).c_str(), [p0, g, n](benchmark::State& state) {
        torch_adam peer(p0, g, 1e-3);
        for (auto _ : state) {
            peer.step();
            benchmark::ClobberMemory();
        }
        set_bytes(state, n);
    });
#endif
    benchmark::RegisterBenchmark(row("ctgrad", n).c_str(), [p0, g, n](benchmark::State& state) {
        std::vector<float> p = p0;
        ctgrad::optim::adam<float> opt({n}, {});
        for (auto _ : state) {
            opt.step(p, g);
            benchmark::DoNotOptimize(p.data());
            benchmark::ClobberMemory();
        }
        set_bytes(state, n);
    });
    benchmark::RegisterBenchmark(row("floor", n).c_str(), [p0, g, n](benchmark::State& state) {
        std::vector<float> p = p0, m(n, 0.0f), v(n, 0.0f);
        for (auto _ : state) {
            floor_pass(p.data(), g.data(), m.data(), v.data(), n);
            benchmark::DoNotOptimize(p.data());
            benchmark::ClobberMemory();
        }
        set_bytes(state, n);
    });
    return ok;
}

}  // namespace

bool add_optimizer_benchmarks() {
    bool ok = add_adam_size(784 * 10);
    ok &= add_adam_size(std::size_t(1) << 20);
    return ok;
}

}  // namespace bench
