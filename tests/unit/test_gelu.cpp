// The tanh-approximate GELU (`gelu`, PyTorch's F.gelu(approximate='tanh')), built from existing
// elementwise operations: its derivative exists at compile time, the fused pass agrees with
// the reference evaluator, and both agree with PyTorch 1.13 on tests/data/gelu_cases.json
// (tests/tools/make_gelu_cases.py): one layer with an MSE, two layers with a cross-entropy.

#include <catch2/catch.hpp>
#include <cmath>
#include <cstddef>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include <ctgrad/ctgrad.hpp>
#include <ctgrad/reference/evaluate.hpp>

#include "pytorch_cases.hpp"

using namespace ctgrad;

namespace {

constexpr axis<"n"> n;
constexpr axis<"h"> h;
constexpr axis<"k"> k;
constexpr auto x = input<"x">(batch, n);
constexpr auto t = input<"t">(batch, h);
constexpr auto y = input<"y">(batch);
constexpr auto w1 = parameter<"w1">(h, n);
constexpr auto b1 = parameter<"b1">(h);
constexpr auto w2 = parameter<"w2">(k, h);
constexpr auto b2 = parameter<"b2">(k);
constexpr auto a1 = gelu(matmul(x, transpose(w1)) + b1);
constexpr auto mse = mse_loss(a1, t);
constexpr auto ce = cross_entropy(matmul(a1, transpose(w2)) + b2, y);

// The derivative is an expression type: gelu(a)' = 0.5(1 + tanh u) + 0.5·a·(1 − tanh²u)·u'.
constexpr auto one = input<"a">(batch);
static_assert(!std::is_same_v<decltype(grad(sum(gelu(one)), one)), zero_expr>);
static_assert(rank_v<decltype(grad(mse, w1))> == 2);

/// ‖a − r‖ / ‖r‖.
template <class T>
double normwise(const std::vector<T>& a, const std::vector<double>& r) {
    double num = 0, den = 0;
    for (std::size_t i = 0; i < r.size(); ++i) {
        num += (static_cast<double>(a[i]) - r[i]) * (static_cast<double>(a[i]) - r[i]);
        den += r[i] * r[i];
    }
    return std::sqrt(num / den);
}

}  // namespace

TEST_CASE("gelu: value and gradients against PyTorch 1.13, fused pass and reference", "[gelu][pytorch]") {
    pytorch_cases::for_each_case("gelu_cases.json", 6, [](auto zero, const nlohmann::json& c) {
        using T = decltype(zero);
        // PyTorch computes float32 in float32 (its tanh, its rounding); float64 agrees to rounding.
        const double tol = std::is_same_v<T, float> ? 2e-5 : 1e-12;
        const auto B = c["B"].get<std::size_t>(), N = c["N"].get<std::size_t>();
        const auto H = c["H"].get<std::size_t>(), K = c["K"].get<std::size_t>();
        const auto xs = pytorch_cases::array<T>(c["x"]);
        const auto w1s = pytorch_cases::array<T>(c["w1"]);
        const auto b1s = pytorch_cases::array<T>(c["b1"]);
        const double expected = c["loss"].get<double>();
        const auto gw1 = pytorch_cases::array<double>(c["grad_w1"]);
        const auto gb1 = pytorch_cases::array<double>(c["grad_b1"]);
        const auto gx = pytorch_cases::array<double>(c["grad_x"]);
        std::vector<T> dw1(w1s.size()), db1(b1s.size()), dx(xs.size());
        if (c["model"] == "mse") {
            const auto ts = pytorch_cases::array<T>(c["t"]);
            auto binds = [&] {
                return std::make_tuple(bind(x, xs.data(), {B, N}), bind(w1, w1s.data(), {H, N}), bind(b1, b1s),
                                       bind(t, ts.data(), {B, H}));
            };
            const auto [loss, g1, g2, g3] =
                std::apply([&](auto... b) { return value_and_grad(mse, wrt(w1, b1, x))(b..., dw1, db1, dx); }, binds());
            CHECK(std::fabs(loss - expected) <= tol * std::fabs(expected));
            const double ref = std::apply([&](auto... b) { return reference::evaluate_scalar(mse, b...); }, binds());
            CHECK(std::fabs(ref - expected) <= (std::is_same_v<T, float> ? 1e-6 : 1e-12) * std::fabs(expected));
            const auto rw = std::apply([&](auto... b) { return reference::evaluate(grad(mse, w1), b...); }, binds());
            CHECK(normwise(rw.values, gw1) < tol);
            (void)g1, (void)g2, (void)g3;
        } else {
            (void)K;
            const auto w2s = pytorch_cases::array<T>(c["w2"]);
            const auto b2s = pytorch_cases::array<T>(c["b2"]);
            const auto ys = pytorch_cases::array<T>(c["y"]);
            const auto gw2 = pytorch_cases::array<double>(c["grad_w2"]);
            const auto gb2 = pytorch_cases::array<double>(c["grad_b2"]);
            std::vector<T> dw2(w2s.size()), db2(b2s.size());
            auto binds = [&] {
                return std::make_tuple(bind(x, xs.data(), {B, N}), bind(w1, w1s.data(), {H, N}), bind(b1, b1s),
                                       bind(w2, w2s.data(), {K, H}), bind(b2, b2s), bind(y, ys));
            };
            const auto result = std::apply(
                [&](auto... b) { return value_and_grad(ce, wrt(w1, b1, x, w2, b2))(b..., dw1, db1, dx, dw2, db2); },
                binds());
            const double loss = std::get<0>(result);
            CHECK(std::fabs(loss - expected) <= tol * std::fabs(expected));
            const double ref = std::apply([&](auto... b) { return reference::evaluate_scalar(ce, b...); }, binds());
            CHECK(std::fabs(ref - expected) <= (std::is_same_v<T, float> ? 1e-6 : 1e-12) * std::fabs(expected));
            CHECK(normwise(dw2, gw2) < tol);
            CHECK(normwise(db2, gb2) < tol);
        }
        CHECK(normwise(dw1, gw1) < tol);
        CHECK(normwise(db1, gb1) < tol);
        CHECK(normwise(dx, gx) < tol);
    });
}
