// The forward pass: predictions o = σ(x·wᵀ + b) of the perceptron problem (problem.hpp) at
// some of the table's sizes, float, for
//   ctgrad  value(o): the executor's pass storing o into a buffer, the data checked every call
//   argmax  value(argmax(z, k)) into int: the predicted class (K > 1 only)
//   eigen   O = σ(X·Wᵀ + b) with Eigen's matrix product, one temporary      (if built with Eigen)
//   loop    the scalar loop
// and the two-layer problem's predictions o = σ(σ(x·W1ᵀ + b1)·W2ᵀ + b2) (two_layer_problem.hpp).
// Named "forward/IMPL/float/B=..,N=..,[H=..,]K=.." (benchmarks/report.py's tables leave these rows
// out: they are not the loss-and-gradient rows). Before timing, ctgrad's and Eigen's outputs
// are compared with the loop's in double (relative 1e-5 of the largest |o|), ctgrad's argmax
// with the argmax of its own outputs.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <ctgrad/ctgrad.hpp>
#include <memory>
#include <span>
#include <string>
#include <vector>

#ifdef CTGRAD_BENCH_HAVE_EIGEN
#include "peers/eigen.hpp"
#endif
#include "problem.hpp"
#include "two_layer_problem.hpp"

namespace bench {

namespace {

template <std::size_t N, std::size_t K>
struct forward_model {
    static constexpr ctgrad::axis<"n", N> n{};
    static constexpr ctgrad::axis<"k", K> k{};
    static constexpr auto x = ctgrad::input<"x">(ctgrad::batch, n);
    static constexpr auto w = ctgrad::parameter<"w">(k, n);
    static constexpr auto b = ctgrad::parameter<"b">(k);
    static constexpr auto z = ctgrad::matmul(x, ctgrad::transpose(w)) + b;
    static constexpr auto o = ctgrad::sigmoid(z);
};

/// o = σ(x·wᵀ + b), row by row, in U.
template <class U, class T>
void loop_forward(const problem<T>& p, U* o) {
    const std::size_t B = p.size.B, N = p.size.N, K = p.size.K;
    for (std::size_t r = 0; r < B; ++r)
        for (std::size_t c = 0; c < K; ++c) {
            U z = static_cast<U>(p.b[c]);
            for (std::size_t i = 0; i < N; ++i)
                z += static_cast<U>(p.x[r * N + i]) * static_cast<U>(p.w[c * N + i]);
            o[r * K + c] = U(1) / (U(1) + std::exp(-z));
        }
}

template <class Size>  // size3 or size4
std::string row(const char* impl, const Size& s) {
    return std::string("forward/") + impl + "/float/" + size_name(s);
}

template <class Size>
bool report(const char* impl, const Size& s, const std::vector<float>& got, const std::vector<double>& want) {
    double diff = 0, largest = 1e-30;
    for (std::size_t i = 0; i < want.size(); ++i) {
        diff = std::max(diff, std::abs(static_cast<double>(got[i]) - want[i]));
        largest = std::max(largest, std::abs(want[i]));
    }
    const double error = diff / largest;
    const bool ok = got.size() == want.size() && error <= 1e-5;
    std::printf("check %-42s relative error %.2e  %s\n", row(impl, s).c_str(), error, ok ? "ok" : "MISMATCH");
    return ok;
}

template <class Problem, class F>  // problem<float> or two_layer_problem<float>
void register_row(const char* impl, const std::shared_ptr<const Problem>& p, F run) {
    benchmark::RegisterBenchmark(row(impl, p->size).c_str(), [p, run](benchmark::State& state) {
        for (auto _ : state) {
            run();
            benchmark::ClobberMemory();
        }
        state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * p->x.size() * sizeof(float)));
    });
}

template <std::size_t B, std::size_t N, std::size_t K>
bool add_forward_size() {
    using model = forward_model<N, K>;
    constexpr size3 size{B, N, K};
    const auto p = std::make_shared<const problem<float>>(size);
    std::vector<double> want(B * K);
    loop_forward<double>(*p, want.data());
    bool ok = true;

    const auto out = std::make_shared<std::vector<float>>(B * K);
    auto ctgrad_run = [p, out] {
        ctgrad::value(model::o)(ctgrad::bind(model::x, std::span<const float>(p->x)),
                                ctgrad::bind(model::w, std::span<const float>(p->w)),
                                ctgrad::bind(model::b, std::span<const float>(p->b)), *out);
    };
    ctgrad_run();
    ok &= report("ctgrad", size, *out, want);
    register_row("ctgrad", p, ctgrad_run);

    if constexpr (K > 1) {
        const auto classes = std::make_shared<std::vector<int>>(B);
        auto argmax_run = [p, classes] {
            ctgrad::value(ctgrad::argmax(model::z, model::k))(ctgrad::bind(model::x, std::span<const float>(p->x)),
                                                              ctgrad::bind(model::w, std::span<const float>(p->w)),
                                                              ctgrad::bind(model::b, std::span<const float>(p->b)),
                                                              *classes);
        };
        argmax_run();
        bool same = true;  // σ is increasing: the largest o is the largest z
        for (std::size_t r = 0; r < B; ++r)
            same &= (*classes)[r] == std::max_element(out->begin() + r * K, out->begin() + (r + 1) * K) -
                                         (out->begin() + r * K);
        std::printf("check %-42s %s\n", row("argmax", size).c_str(), same ? "ok" : "MISMATCH");
        ok &= same;
        register_row("argmax", p, argmax_run);
    }

#ifdef CTGRAD_BENCH_HAVE_EIGEN
    const auto o = std::make_shared<eigen::matrix<float>>(B, K);
    auto eigen_run = [p, o] {
        o->noalias() = eigen::view(p->x, B, N) * eigen::view(p->w, K, N).transpose();
        o->rowwise() += eigen::view(p->b);
        *o = o->array().logistic().matrix();
    };
    eigen_run();
    ok &= report("eigen", size, std::vector<float>(o->data(), o->data() + B * K), want);
    register_row("eigen", p, eigen_run);
#endif

    const auto loop_out = std::make_shared<std::vector<float>>(B * K);
    auto loop_run = [p, loop_out] { loop_forward<float>(*p, loop_out->data()); };
    loop_run();
    ok &= report("loop", size, *loop_out, want);
    register_row("loop", p, loop_run);
    return ok;
}

template <std::size_t N, std::size_t H, std::size_t K>
struct two_layer_forward_model {
    static constexpr ctgrad::axis<"n", N> n{};
    static constexpr ctgrad::axis<"h", H> hid{};
    static constexpr ctgrad::axis<"k", K> k{};
    static constexpr auto x = ctgrad::input<"x">(ctgrad::batch, n);
    static constexpr auto w1 = ctgrad::parameter<"w1">(hid, n);
    static constexpr auto b1 = ctgrad::parameter<"b1">(hid);
    static constexpr auto w2 = ctgrad::parameter<"w2">(k, hid);
    static constexpr auto b2 = ctgrad::parameter<"b2">(k);
    static constexpr auto h = ctgrad::sigmoid(ctgrad::matmul(x, ctgrad::transpose(w1)) + b1);
    static constexpr auto o = ctgrad::sigmoid(ctgrad::matmul(h, ctgrad::transpose(w2)) + b2);
};

/// The two layers' o, row by row, in U (h of one row in `hidden`).
template <class U, class T>
void loop_forward(const two_layer_problem<T>& p, U* o) {
    const std::size_t B = p.size.B, N = p.size.N, H = p.size.H, K = p.size.K;
    std::vector<U> hidden(H);
    for (std::size_t r = 0; r < B; ++r) {
        for (std::size_t j = 0; j < H; ++j) {
            U z = static_cast<U>(p.b1[j]);
            for (std::size_t i = 0; i < N; ++i)
                z += static_cast<U>(p.x[r * N + i]) * static_cast<U>(p.w1[j * N + i]);
            hidden[j] = U(1) / (U(1) + std::exp(-z));
        }
        for (std::size_t c = 0; c < K; ++c) {
            U z = static_cast<U>(p.b2[c]);
            for (std::size_t j = 0; j < H; ++j)
                z += hidden[j] * static_cast<U>(p.w2[c * H + j]);
            o[r * K + c] = U(1) / (U(1) + std::exp(-z));
        }
    }
}

template <std::size_t B, std::size_t N, std::size_t H, std::size_t K>
bool add_forward_two_layer() {
    using model = two_layer_forward_model<N, H, K>;
    constexpr size4 size{B, N, H, K};
    const auto p = std::make_shared<const two_layer_problem<float>>(size);
    std::vector<double> want(B * K);
    loop_forward<double>(*p, want.data());
    bool ok = true;

    const auto out = std::make_shared<std::vector<float>>(B * K);
    auto ctgrad_run = [p, out] {
        ctgrad::value(model::o)(ctgrad::bind(model::x, std::span<const float>(p->x)),
                                ctgrad::bind(model::w1, std::span<const float>(p->w1)),
                                ctgrad::bind(model::b1, std::span<const float>(p->b1)),
                                ctgrad::bind(model::w2, std::span<const float>(p->w2)),
                                ctgrad::bind(model::b2, std::span<const float>(p->b2)), *out);
    };
    ctgrad_run();
    ok &= report("ctgrad", size, *out, want);
    register_row("ctgrad", p, ctgrad_run);

#ifdef CTGRAD_BENCH_HAVE_EIGEN
    const auto hidden = std::make_shared<eigen::matrix<float>>(B, H);
    const auto o = std::make_shared<eigen::matrix<float>>(B, K);
    auto eigen_run = [p, hidden, o] {
        hidden->noalias() = eigen::view(p->x, B, N) * eigen::view(p->w1, H, N).transpose();
        hidden->rowwise() += eigen::view(p->b1);
        *hidden = hidden->array().logistic().matrix();
        o->noalias() = *hidden * eigen::view(p->w2, K, H).transpose();
        o->rowwise() += eigen::view(p->b2);
        *o = o->array().logistic().matrix();
    };
    eigen_run();
    ok &= report("eigen", size, std::vector<float>(o->data(), o->data() + B * K), want);
    register_row("eigen", p, eigen_run);
#endif

    const auto loop_out = std::make_shared<std::vector<float>>(B * K);
    auto loop_run = [p, loop_out] { loop_forward<float>(*p, loop_out->data()); };
    loop_run();
    ok &= report("loop", size, *loop_out, want);
    register_row("loop", p, loop_run);
    return ok;
}

}  // namespace

bool add_forward_benchmarks() {
    bool ok = add_forward_size<1, 10, 1>();  // the lecture's size
    ok &= add_forward_size<64, 784, 10>();  // a mini-batch of MNIST
    ok &= add_forward_size<1024, 784, 10>();
    ok &= add_forward_size<4096, 64, 1>();
    ok &= add_forward_two_layer<256, 784, 64, 10>();  // the two-layer row of the table
    return ok;
}

}  // namespace bench
