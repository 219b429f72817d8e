// The chain rule through layers: two- and three-layer perceptrons with every activation, and
// models that are not perceptrons (a layer without transpose, a softmax inside an MSE), built
// from the same operations. Each is checked three ways in double: the derivative expression
// (reference evaluator) against central finite differences, the fused program's gradients
// against the derivative expression; and in float the fused program against the double
// reference, at batch sizes that leave partial tiles and partial vectors.

#include <catch2/catch.hpp>
#include <cmath>
#include <ctgrad/ctgrad.hpp>
#include <ctgrad/reference/evaluate.hpp>
#include <vector>

#include "finite_differences.hpp"
#include "test_support.hpp"

namespace {
using namespace ctgrad;
using namespace ctgrad::literals;
using test_support::normal;
using test_support::uniform;
using test_support::finite_difference;
using test_support::reference_value;
using test_support::worst_relative_error;

constexpr axis<"j"> j;
constexpr axis<"h"> hid;
constexpr axis<"k"> k;
constexpr auto x = input<"x">(batch, j);
constexpr auto t = input<"t">(batch, k);
constexpr auto w1 = parameter<"w1">(hid, j);
constexpr auto b1 = parameter<"b1">(hid);
constexpr auto w2 = parameter<"w2">(k, hid);
constexpr auto b2 = parameter<"b2">(k);

/// The two-layer perceptron h = act(x·w1ᵀ + b1), z = h·w2ᵀ + b2.
template <class Act>
constexpr auto logits(Act act) {
    return matmul(act(matmul(x, transpose(w1)) + b1), transpose(w2)) + b2;
}
constexpr auto sigmoid_act = [](auto a) { return sigmoid(a); };
constexpr auto tanh_act = [](auto a) { return tanh(a); };
constexpr auto relu_act = [](auto a) { return relu(a); };
constexpr auto softplus_act = [](auto a) { return softplus(a); };

template <class T>
struct data {
    std::size_t B, N, H, K;
    std::vector<T> xs, ts, w1s, b1s, w2s, b2s;
    data(std::size_t B_, std::size_t N_, std::size_t H_, std::size_t K_, unsigned seed)
        : B(B_),
          N(N_),
          H(H_),
          K(K_),
          xs(normal<T>(B * N, seed)),
          ts(uniform<T>(B * K, seed + 1)),
          w1s(normal<T>(H * N, seed + 2, 0.4)),
          b1s(normal<T>(H, seed + 3, 0.1)),
          w2s(normal<T>(K * H, seed + 4, 0.4)),
          b2s(normal<T>(K, seed + 5, 0.1)) {}
    auto bindings() {
        return std::make_tuple(bind(x, xs.data(), {B, N}), bind(t, ts.data(), {B, K}), bind(w1, w1s.data(), {H, N}),
                               bind(b1, b1s.data(), {H}), bind(w2, w2s.data(), {K, H}), bind(b2, b2s.data(), {K}));
    }
};

template <class L, class Bindings, class... V>
auto fused(const L& loss, Bindings&& bindings, std::vector<std::vector<typename std::remove_cvref_t<decltype(
                                                    std::get<0>(bindings))>::value_type>>& grads,
           V... wrt_vars) {
    return std::apply(
        [&](auto&&... bs) {
            return [&]<std::size_t... I>(std::index_sequence<I...>) {
                return value_and_grad(loss, wrt(wrt_vars...))(bs..., grads[I]...);
            }
            (std::index_sequence_for<V...>{});
        },
        bindings);
}

/// In double: finite differences vs the derivative expressions vs the fused program, for
/// x, w1, b1, w2, b2.
template <class L>
void check_double(const L& loss, data<double>& d) {
    auto bind_all = [&] { return d.bindings(); };
    std::vector<std::vector<double>> g{std::vector<double>(d.xs.size()), std::vector<double>(d.w1s.size()),
                                       std::vector<double>(d.b1s.size()), std::vector<double>(d.w2s.size()),
                                       std::vector<double>(d.b2s.size())};
    const double value = std::get<0>(fused(loss, bind_all(), g, x, w1, b1, w2, b2));
    CHECK(value == Approx(reference_value(loss, bind_all)).epsilon(1e-12));
    auto check = [&](const char* name, auto derivative, std::vector<double>& var, const std::vector<double>& mine) {
        INFO("gradient of " << name << ", B = " << d.B);
        const auto symbolic =
            std::apply([&](auto&&... bs) { return reference::evaluate(derivative, bs...); }, bind_all()).values;
        CHECK(worst_relative_error(symbolic, finite_difference(loss, var, bind_all), 1e-3) < 1e-6);
        CHECK(worst_relative_error(mine, symbolic, 1e-9) < 1e-10);
    };
    check("x", grad(loss, x), d.xs, g[0]);
    check("w1", grad(loss, w1), d.w1s, g[1]);
    check("b1", grad(loss, b1), d.b1s, g[2]);
    check("w2", grad(loss, w2), d.w2s, g[3]);
    check("b2", grad(loss, b2), d.b2s, g[4]);
}

/// In float: the fused program against the double reference, normwise per gradient, within
/// the tolerance of the PyTorch parity tests (1e-5).
template <class L>
void check_float(const L& loss, std::size_t B, std::size_t N, std::size_t H, std::size_t K) {
    data<float> f(B, N, H, K, 41);
    data<double> d(B, N, H, K, 41);
    d.xs.assign(f.xs.begin(), f.xs.end());
    d.ts.assign(f.ts.begin(), f.ts.end());
    d.w1s.assign(f.w1s.begin(), f.w1s.end());
    d.b1s.assign(f.b1s.begin(), f.b1s.end());
    d.w2s.assign(f.w2s.begin(), f.w2s.end());
    d.b2s.assign(f.b2s.begin(), f.b2s.end());
    std::vector<std::vector<float>> g{std::vector<float>(f.w1s.size()), std::vector<float>(f.b1s.size()),
                                      std::vector<float>(f.w2s.size()), std::vector<float>(f.b2s.size())};
    const float value = std::get<0>(fused(loss, f.bindings(), g, w1, b1, w2, b2));
    INFO("B = " << B << ", N = " << N << ", H = " << H << ", K = " << K);
    CHECK(value == Approx(reference_value(loss, [&] { return d.bindings(); })).epsilon(2e-6));
    auto normwise = [&](auto derivative, const std::vector<float>& mine) {
        const auto r = std::apply([&](auto&&... bs) { return reference::evaluate(derivative, bs...); }, d.bindings());
        return test_support::normwise_error(mine, r.values, 1e-30);
    };
    CHECK(normwise(grad(loss, w1), g[0]) < 1e-5);
    CHECK(normwise(grad(loss, b1), g[1]) < 1e-5);
    CHECK(normwise(grad(loss, w2), g[2]) < 1e-5);
    CHECK(normwise(grad(loss, b2), g[3]) < 1e-5);
}

}  // namespace

TEST_CASE("two layers, every activation: finite differences and the fused pass in double", "[layers][fd]") {
    data<double> d(6, 7, 5, 3, 101);
    SECTION("sigmoid hidden, sigmoid output, half sum of squares") {
        check_double(0.5_c * sum(pow<2>(sigmoid(logits(sigmoid_act)) - t)), d);
    }
    SECTION("tanh hidden, MSE") { check_double(mse_loss(sigmoid(logits(tanh_act)), t), d); }
    SECTION("relu hidden, BCE") { check_double(binary_cross_entropy(sigmoid(logits(relu_act)), t), d); }
    SECTION("softplus hidden, BCE with logits") {
        check_double(binary_cross_entropy_with_logits(logits(softplus_act), t), d);
    }
}

TEST_CASE("two layers in float: partial tiles, partial vectors, wide and narrow layers", "[layers]") {
    constexpr auto loss = mse_loss(sigmoid(logits(tanh_act)), t);
    for (std::size_t B : {1u, 3u, 17u, 64u, 301u}) {
        check_float(loss, B, 13, 9, 3);
        check_float(loss, B, 70, 33, 10);
    }
    // MNIST-sized (tanh keeps the output unsaturated: a saturated float sigmoid clamps BCE's log).
    check_float(binary_cross_entropy(sigmoid(logits(tanh_act)), t), 129, 784, 64, 10);
    check_float(0.5_c * sum(pow<2>(sigmoid(logits(sigmoid_act)) - t)), 40, 5, 700, 1);
}

TEST_CASE("three layers: the chain rule twice", "[layers][fd]") {
    constexpr axis<"g"> g2;
    constexpr auto w0 = parameter<"w0">(g2, j);
    constexpr auto w1g = parameter<"w1">(hid, g2);
    constexpr auto h0 = tanh(matmul(x, transpose(w0)));
    constexpr auto h1 = relu(matmul(h0, transpose(w1g)) + b1);
    constexpr auto loss = mse_loss(sigmoid(matmul(h1, transpose(w2)) + b2), t);
    const std::size_t B = 5, N = 6, G = 4, H = 7, K = 2;
    auto xs = normal<double>(B * N, 1), w0s = normal<double>(G * N, 2, 0.5), w1s = normal<double>(H * G, 3, 0.5);
    auto b1s = normal<double>(H, 4, 0.1), w2s = normal<double>(K * H, 5, 0.5), b2s = normal<double>(K, 6, 0.1);
    auto ts = uniform<double>(B * K, 7);
    auto bind_all = [&] {
        return std::make_tuple(bind(x, xs.data(), {B, N}), bind(t, ts.data(), {B, K}), bind(w0, w0s.data(), {G, N}),
                               bind(w1g, w1s.data(), {H, G}), bind(b1, b1s), bind(w2, w2s.data(), {K, H}),
                               bind(b2, b2s));
    };
    std::vector<std::vector<double>> g{std::vector<double>(w0s.size()), std::vector<double>(w1s.size()),
                                       std::vector<double>(xs.size())};
    fused(loss, bind_all(), g, w0, w1g, x);
    CHECK(worst_relative_error(g[0], finite_difference(loss, w0s, bind_all), 1e-3) < 1e-6);
    CHECK(worst_relative_error(g[1], finite_difference(loss, w1s, bind_all), 1e-3) < 1e-6);
    CHECK(worst_relative_error(g[2], finite_difference(loss, xs, bind_all), 1e-3) < 1e-6);
}

TEST_CASE("not a perceptron: a layer without transpose, a softmax inside an MSE", "[layers][fd]") {
    data<double> d(7, 5, 6, 4, 202);
    // x·v with v[j, h] (no transpose): the backward product form, used forward.
    constexpr auto v = parameter<"w1">(j, hid);
    constexpr auto loss = mse_loss(softmax(matmul(tanh(matmul(x, v) + b1), transpose(w2)) + b2, k), t);
    auto bind_all = [&] {
        return std::make_tuple(bind(x, d.xs.data(), {d.B, d.N}), bind(t, d.ts.data(), {d.B, d.K}),
                               bind(v, d.w1s.data(), {d.N, d.H}), bind(b1, d.b1s), bind(w2, d.w2s.data(), {d.K, d.H}),
                               bind(b2, d.b2s));
    };
    std::vector<std::vector<double>> g{std::vector<double>(d.w1s.size()), std::vector<double>(d.w2s.size()),
                                       std::vector<double>(d.b2s.size())};
    const double value = std::get<0>(fused(loss, bind_all(), g, v, w2, b2));
    CHECK(value == Approx(reference_value(loss, bind_all)).epsilon(1e-12));
    CHECK(worst_relative_error(g[0], finite_difference(loss, d.w1s, bind_all), 1e-3) < 1e-6);
    CHECK(worst_relative_error(g[1], finite_difference(loss, d.w2s, bind_all), 1e-3) < 1e-6);
    CHECK(worst_relative_error(g[2], finite_difference(loss, d.b2s, bind_all), 1e-3) < 1e-6);
}

TEST_CASE("a layer wider than a tile buffer is refused with a clear error, nothing written", "[layers][errors]") {
    constexpr auto loss = mse_loss(sigmoid(logits(relu_act)), t);
    const std::size_t B = 2, N = 3, H = 5000, K = 1;
    data<float> f(B, N, H, K, 3);
    std::vector<std::vector<float>> g{std::vector<float>(H * N, 7.f), std::vector<float>(H, 7.f)};
    float value = -1;
    const status s = std::apply(
        [&](auto&&... bs) { return value_and_grad(loss, wrt(w1, b1)).try_evaluate(value, bs..., g[0], g[1]); },
        f.bindings());
    CHECK(s.code == errc::extent_too_large);
    CHECK(s.axis == "h");
    CHECK(s.actual == H);
    CHECK_THAT(s.message(), Catch::Contains("axis 'h' has extent 5000"));
    CHECK(value == -1);
    CHECK(g[0][0] == 7.f);
}

TEST_CASE("two layers with the outputs in lanes: short rows, many outputs in both products", "[layers]") {
    namespace lw = ctgrad::lowering;
    if (lw::width<double> > 1) {  // the sizes take the outputs-in-lanes kernels in both layers
        CHECK(lw::detail::outputs_in_lanes<float>(17, 24));
        CHECK(lw::detail::outputs_in_lanes<float>(24, 20));
        CHECK(lw::detail::outputs_in_lanes<double>(5, 12));
        CHECK(lw::detail::outputs_in_lanes<double>(12, 16));
    }
    for (std::size_t B : {16u, 37u, 70u})
        check_float(mse_loss(sigmoid(logits(tanh_act)), t), B, 17, 24, 20);
    data<double> d(37, 5, 12, 16, 103);  // the hidden layer a tile buffer: the second product reads it
    check_double(binary_cross_entropy(sigmoid(logits(relu_act)), t), d);
}
