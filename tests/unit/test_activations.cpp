// tanh, relu and softplus: derivatives against finite differences, the fused kernel against
// the reference, PyTorch's conventions (relu' = 0 at 0, NaN propagates), stable softplus.

#include <catch2/catch.hpp>
#include <cmath>
#include <ctgrad/reference/evaluate.hpp>
#include <limits>
#include <vector>

#include "test_support.hpp"

namespace {
using namespace ctgrad;
using test_support::normwise_error;

constexpr axis<"n"> n;
constexpr axis<"k"> k;
constexpr auto x = input<"x">(batch, n);
constexpr auto t = input<"t">(batch, k);
constexpr auto w = parameter<"w">(k, n);
constexpr auto b = parameter<"b">(k);
constexpr auto z = matmul(x, transpose(w)) + b;

// ∂L/∂w and ∂L/∂b by the fused program, against central differences of the reference loss.
template <class L>
void check_against_finite_differences(const L& loss) {
    const std::size_t B = 6, N = 7, K = 3;
    auto xs = test_support::normal<double>(B * N, 1), ws = test_support::normal<double>(K * N, 2, 0.5);
    auto bs = test_support::normal<double>(K, 3, 0.1), ts = test_support::uniform<double>(B * K, 4);
    auto binds = [&] {
        return std::make_tuple(bind(x, xs.data(), {B, N}), bind(w, ws.data(), {K, N}), bind(b, bs),
                               bind(t, ts.data(), {B, K}));
    };
    std::vector<double> dw(K * N), db(K);
    auto [value, gw, gb] =
        std::apply([&](auto... bs_) { return value_and_grad(loss, wrt(w, b))(bs_..., dw, db); }, binds());
    auto f = [&] { return std::apply([&](auto... bs_) { return reference::evaluate_scalar(loss, bs_...); }, binds()); };
    CHECK(value == Approx(f()).epsilon(1e-12));
    auto fd = [&](std::vector<double>& v) {
        std::vector<double> g(v.size());
        for (std::size_t i = 0; i < v.size(); ++i) {
            const double keep = v[i], h = 1e-6;
            v[i] = keep + h;
            const double up = f();
            v[i] = keep - h;
            const double down = f();
            v[i] = keep;
            g[i] = (up - down) / (2 * h);
        }
        return g;
    };
    CHECK(normwise_error(gw, fd(ws), 1e-3) < 1e-6);
    CHECK(normwise_error(gb, fd(bs), 1e-3) < 1e-6);
}
}  // namespace

TEST_CASE("tanh: derivative 1 - tanh^2 against finite differences", "[activations][fd]") {
    check_against_finite_differences(0.5_c * sum(pow<2>(tanh(z) - t)));
    // tanh' reuses the forward tanh node: 1 - tanh², no second tanh type.
    STATIC_REQUIRE(std::is_same_v<std::remove_cvref_t<decltype(grad(sum(tanh(z)), b))>,
                                  std::remove_cvref_t<decltype(sum_over(1_c - pow<2>(tanh(z)), batch))>>);
}

TEST_CASE("relu: derivative step, against finite differences away from 0", "[activations][fd]") {
    check_against_finite_differences(mean(pow<2>(relu(z) - t)) + sum(relu(-z) * t));
}

TEST_CASE("softplus: derivative sigmoid, against finite differences", "[activations][fd]") {
    check_against_finite_differences(mean(softplus(z) - z * t));
    check_against_finite_differences(sum(tanh(softplus(z)) * relu(z + t)));
}

TEST_CASE("relu follows PyTorch at 0 and at NaN; softplus is stable", "[activations][numerics]") {
    constexpr axis<"k", 5> k5;
    constexpr auto a = parameter<"a">(batch, k5);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> as = {-1.0f, 0.0f, 2.0f, nan, 1e4f}, da(5);
    auto [relu_sum, g] = value_and_grad(sum(relu(a)), wrt(a))(bind(a, as), da);
    CHECK(std::isnan(relu_sum));  // NaN propagates through relu like torch.relu
    CHECK(g[0] == 0.0f);
    CHECK(g[1] == 0.0f);  // PyTorch: relu'(0) = 0
    CHECK(g[2] == 1.0f);
    CHECK(g[4] == 1.0f);
    std::vector<float> big = {-1e4f, -100.0f, 0.0f, 100.0f, 1e4f}, db(5);
    auto [soft_sum, gs] = value_and_grad(sum(softplus(a)), wrt(a))(bind(a, big), db);
    CHECK(std::isfinite(soft_sum));
    CHECK(soft_sum == Approx(std::log(2.0) + 100.0 + 1e4).epsilon(1e-6));
    CHECK(gs[0] == 0.0f);
    CHECK(gs[2] == 0.5f);
    CHECK(gs[4] == 1.0f);
}
