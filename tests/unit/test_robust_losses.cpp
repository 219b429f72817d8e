// The L1, Huber and smooth L1 losses and the new elementwise pieces inside models: on a
// perceptron and on a two-layer tanh model, maximum(z, 0) and relu as hidden activations, and a
// clamp in a hidden layer, against PyTorch 1.13 (tests/data/elementwise_cases.json, made by
// tests/tools/make_elementwise_cases.py: the perceptron and hidden-layer cases are exact
// multiples of 1/8, so residuals sit exactly on 0 and on ±delta and pre-activations exactly on 0
// and on the clamp bounds), and against finite differences away from the kinks.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstddef>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include <ctgrad/ctgrad.hpp>
#include <ctgrad/reference/evaluate.hpp>

#include "finite_differences.hpp"
#include "pytorch_cases.hpp"
#include "regression_losses.hpp"
#include "test_support.hpp"

using namespace ctgrad;
using test_support::normwise_error;

namespace {

constexpr axis<"n"> n;
constexpr axis<"h"> h;
constexpr axis<"k"> k;
constexpr auto x = input<"x">(batch, n);
constexpr auto t = input<"t">(batch, k);
constexpr auto w = parameter<"w">(k, n);
constexpr auto b = parameter<"b">(k);
constexpr auto w1 = parameter<"w1">(h, n);
constexpr auto b1 = parameter<"b1">(h);
constexpr auto w2 = parameter<"w2">(k, h);
constexpr auto b2 = parameter<"b2">(k);
constexpr auto z = matmul(x, transpose(w)) + b;
constexpr auto z1 = matmul(x, transpose(w1)) + b1;
template <class H>
constexpr auto output(const H& hidden) {
    return matmul(hidden, transpose(w2)) + b2;
}
constexpr auto half = 0.5_c;
constexpr auto minus_half = -0.5_c;

template <class T>
double tolerance(const nlohmann::json& c) {
    // Exact data (perceptron, hidden): only the final sums round. tanh: float32's own rounding.
    if (c["model"] == "two_layer")
        return std::is_same_v<T, float> ? 2e-5 : 1e-12;
    return std::is_same_v<T, float> ? 2e-6 : 1e-13;
}

template <class T, class L>
void check_perceptron(const nlohmann::json& c, const L& loss) {
    const double tol = tolerance<T>(c);
    const auto B = c["B"].get<std::size_t>(), N = c["N"].get<std::size_t>(), K = c["K"].get<std::size_t>();
    const auto xs = pytorch_cases::array<T>(c["x"]), ws = pytorch_cases::array<T>(c["w"]);
    const auto bs = pytorch_cases::array<T>(c["b"]), ts = pytorch_cases::array<T>(c["t"]);
    const double expected = c["loss"].get<double>();
    std::vector<T> dw(ws.size()), db(bs.size()), dx(xs.size());
    const auto bx = bind(x, xs.data(), {B, N});
    const auto bw = bind(w, ws.data(), {K, N});
    const auto bt = bind(t, ts.data(), {B, K});
    const auto result = value_and_grad(loss, wrt(w, b, x))(bx, bw, bind(b, bs), bt, dw, db, dx);
    CHECK(std::fabs(std::get<0>(result) - expected) <= tol * std::max(1.0, std::fabs(expected)));
    CHECK(normwise_error(dw, pytorch_cases::array<double>(c["grad_w"]), 1e-30) <= tol);
    CHECK(normwise_error(db, pytorch_cases::array<double>(c["grad_b"]), 1e-30) <= tol);
    CHECK(normwise_error(dx, pytorch_cases::array<double>(c["grad_x"]), 1e-30) <= tol);
    const auto rw = reference::evaluate(grad(loss, w), bx, bw, bind(b, bs), bt).values;
    CHECK(normwise_error(rw, pytorch_cases::array<double>(c["grad_w"]), 1e-30) <= tol);
}

template <class T, class L>
void check_two_layer(const nlohmann::json& c, const L& loss) {
    const double tol = tolerance<T>(c);
    const auto B = c["B"].get<std::size_t>(), N = c["N"].get<std::size_t>();
    const auto H = c["H"].get<std::size_t>(), K = c["K"].get<std::size_t>();
    const auto xs = pytorch_cases::array<T>(c["x"]), ts = pytorch_cases::array<T>(c["t"]);
    const auto w1s = pytorch_cases::array<T>(c["w1"]), b1s = pytorch_cases::array<T>(c["b1"]);
    const auto w2s = pytorch_cases::array<T>(c["w2"]), b2s = pytorch_cases::array<T>(c["b2"]);
    const double expected = c["loss"].get<double>();
    std::vector<T> dw1(w1s.size()), db1(b1s.size()), dw2(w2s.size()), db2(b2s.size());
    auto binds = [&] {
        return std::make_tuple(bind(x, xs.data(), {B, N}), bind(w1, w1s.data(), {H, N}), bind(b1, b1s),
                               bind(w2, w2s.data(), {K, H}), bind(b2, b2s), bind(t, ts.data(), {B, K}));
    };
    const auto result = std::apply(
        [&](auto... bs) { return value_and_grad(loss, wrt(w1, b1, w2, b2))(bs..., dw1, db1, dw2, db2); }, binds());
    CHECK(std::fabs(std::get<0>(result) - expected) <= tol * std::max(1.0, std::fabs(expected)));
    CHECK(normwise_error(dw1, pytorch_cases::array<double>(c["grad_w1"]), 1e-30) <= tol);
    CHECK(normwise_error(db1, pytorch_cases::array<double>(c["grad_b1"]), 1e-30) <= tol);
    CHECK(normwise_error(dw2, pytorch_cases::array<double>(c["grad_w2"]), 1e-30) <= tol);
    CHECK(normwise_error(db2, pytorch_cases::array<double>(c["grad_b2"]), 1e-30) <= tol);
    const double ref = std::apply([&](auto... bs) { return reference::evaluate_scalar(loss, bs...); }, binds());
    CHECK(std::fabs(ref - expected) <= tol * std::max(1.0, std::fabs(expected)));
    const auto rw1 = std::apply([&](auto... bs) { return reference::evaluate(grad(loss, w1), bs...); }, binds());
    CHECK(normwise_error(rw1.values, pytorch_cases::array<double>(c["grad_w1"]), 1e-30) <= tol);
}

}  // namespace

TEST_CASE("L1 and Huber losses on a perceptron, a two-layer tanh model, and maximum/relu/clamp hidden layers: "
          "PyTorch's values and gradients",
          "[abs][clamp][minmax][pytorch]") {
    pytorch_cases::for_each_case("elementwise_cases.json", 54, [](auto zero, const nlohmann::json& c) {
        using T = decltype(zero);
        const auto model = c["model"].get<std::string>(), op = c["op"].get<std::string>();
        bool known = true;
        if (model == "direct")
            return;  // test_abs_clamp.cpp
        if (model == "perceptron")
            known = regression_losses::with_loss(op, [&](auto loss) { check_perceptron<T>(c, loss(z, t)); });
        else if (model == "two_layer")
            known = regression_losses::with_loss(op, [&](auto loss) { check_two_layer<T>(c, loss(output(tanh(z1)), t)); });
        else if (op == "maximum0")
            check_two_layer<T>(c, mse_loss(output(maximum(z1, zero_expr{})), t));
        else if (op == "relu")
            check_two_layer<T>(c, mse_loss(output(relu(z1)), t));
        else if (op == "clamp")
            check_two_layer<T>(c, mse_loss(output(clamp(z1, minus_half, half)), t));
        else
            known = false;
        if (!known)
            FAIL("unknown case " << model << " " << op);
    });
}

TEST_CASE("Huber and L1 losses through clamp and maximum hidden layers: finite differences", "[abs][clamp][minmax]") {
    const std::size_t B = 6, N = 4, H = 5, K = 3;
    auto xs = test_support::normal<double>(B * N, 31), ts = test_support::normal<double>(B * K, 32, 2.0);
    auto w1s = test_support::normal<double>(H * N, 33, 0.5), b1s = test_support::normal<double>(H, 34, 0.1);
    auto w2s = test_support::normal<double>(K * H, 35, 0.5), b2s = test_support::normal<double>(K, 36, 0.1);
    auto binds = [&] {
        return std::make_tuple(bind(x, xs.data(), {B, N}), bind(w1, w1s.data(), {H, N}), bind(b1, b1s),
                               bind(w2, w2s.data(), {K, H}), bind(b2, b2s), bind(t, ts.data(), {B, K}));
    };
    auto check = [&](const auto& loss) {
        std::vector<double> dw1(w1s.size()), db1(b1s.size()), dw2(w2s.size()), db2(b2s.size());
        std::apply([&](auto... bs) { return value_and_grad(loss, wrt(w1, b1, w2, b2))(bs..., dw1, db1, dw2, db2); },
                   binds());
        CHECK(normwise_error(dw1, test_support::finite_difference(loss, w1s, binds), 1e-3) < 1e-6);
        CHECK(normwise_error(db1, test_support::finite_difference(loss, b1s, binds), 1e-3) < 1e-6);
        CHECK(normwise_error(dw2, test_support::finite_difference(loss, w2s, binds), 1e-3) < 1e-6);
        CHECK(normwise_error(db2, test_support::finite_difference(loss, b2s, binds), 1e-3) < 1e-6);
    };
    // Random data: no pre-activation or residual lands within a finite-difference step of a kink.
    check(huber_loss(output(clamp(z1, minus_half, half)), t));
    check(l1_loss(output(maximum(z1, 0_c)), t));
    check(smooth_l1_loss(output(tanh(z1)), t, half) + mean(abs(z1)));
}
