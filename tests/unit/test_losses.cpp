// Binary cross-entropy, on probabilities and on logits: the textbook closed forms fall out of
// the simplifier (no division by o(1 - o) is left to evaluate), derivatives match finite
// differences, and the clamped logs keep saturated inputs finite, as in PyTorch.

#include <catch2/catch.hpp>
#include <cmath>
#include <ctgrad/reference/evaluate.hpp>
#include <vector>

#include "test_support.hpp"

namespace {
using namespace ctgrad;
using test_support::normwise_error;

constexpr axis<"j"> j;
constexpr axis<"k"> k;
constexpr auto x = input<"x">(batch, j);
constexpr auto t = input<"t">(batch, k);
constexpr auto w = parameter<"w">(k, j);
constexpr auto b = parameter<"b">(k);
constexpr auto z = matmul(x, transpose(w)) + b;
constexpr auto o = sigmoid(z);
constexpr auto bce = binary_cross_entropy(o, t);
constexpr auto bce_logits = binary_cross_entropy_with_logits(z, t);

template <class Fn, class Nodes>
struct count_calls;
template <class Fn, class... N>
struct count_calls<Fn, detail::type_list<N...>> {
    static constexpr std::size_t value = (std::size_t{0} + ... + std::is_same_v<detail::call_fn_t<N>, Fn>);
};
template <class Nodes>
struct count_divisions;
template <class... N>
struct count_divisions<detail::type_list<N...>> {
    static constexpr std::size_t value = (std::size_t{0} + ... + (N::kind == expr_kind::divides));
};

using inv = terminal<inverse_size<axes<batch_axis, axis<"k">>>>;
// σ then BCE: ∂/∂w = (1/(B·K)) (o − t)ᵀ x — the o(1 − o) of σ' cancelled the BCE's denominator.
static_assert(std::is_same_v<std::remove_cvref_t<decltype(grad(bce, w))>,
                             std::remove_cvref_t<decltype(matmul(transpose(inv{} * (o - t)), x))>>);
static_assert(count_divisions<detail::plan<decltype(bce), decltype(w), decltype(b)>::nodes>::value == 0);
// On logits: (1/(B·K)) (σ(z) − t)ᵀ x.
static_assert(std::is_same_v<std::remove_cvref_t<decltype(grad(bce_logits, w))>,
                             std::remove_cvref_t<decltype(matmul(transpose(inv{} * (sigmoid(z) - t)), x))>>);

template <class L>
void check_against_finite_differences(const L& loss, double w_scale) {
    const std::size_t B = 5, N = 6, K = 3;
    auto xs = test_support::normal<double>(B * N, 7), ws = test_support::normal<double>(K * N, 8, w_scale);
    auto bs = test_support::normal<double>(K, 9, 0.1), ts = test_support::uniform<double>(B * K, 10);
    auto binds = [&] {
        return std::make_tuple(bind(x, xs.data(), {B, N}), bind(w, ws.data(), {K, N}), bind(b, bs),
                               bind(t, ts.data(), {B, K}));
    };
    std::vector<double> dw(K * N), db(K), dt(B * K);
    auto [value, gw, gb, gt] =
        std::apply([&](auto... bs_) { return value_and_grad(loss, wrt(w, b, t))(bs_..., dw, db, dt); }, binds());
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
    CHECK(normwise_error(gt, fd(ts), 1e-3) < 1e-6);
}
}  // namespace

TEST_CASE("binary cross-entropy after a sigmoid: finite differences", "[losses][fd]") {
    check_against_finite_differences(bce, 0.5);
    // BCE on a probability that is not a sigmoid keeps its quotient, and still differentiates.
    check_against_finite_differences(binary_cross_entropy(0.5_c * o + 0.25_c, t), 0.5);
}

TEST_CASE("binary cross-entropy with logits: finite differences", "[losses][fd]") {
    check_against_finite_differences(bce_logits, 0.5);
}

TEST_CASE("the two cross-entropies agree, and stay finite where the sigmoid saturates", "[losses][numerics]") {
    const std::size_t B = 4, N = 3, K = 2;
    for (double scale : {0.5, 50.0, 1e3}) {
        INFO("weight scale " << scale);
        auto xs = test_support::normal<float>(B * N, 11), ws = test_support::normal<float>(K * N, 12, scale);
        std::vector<float> bs(K, 0.0f), ts = test_support::uniform<float>(B * K, 13);
        std::vector<float> dw1(K * N), dw2(K * N);
        auto [l1, g1] = value_and_grad(bce, wrt(w))(bind(x, xs.data(), {B, N}), bind(w, ws.data(), {K, N}), bind(b, bs),
                                                    bind(t, ts.data(), {B, K}), dw1);
        auto [l2, g2] = value_and_grad(bce_logits, wrt(w))(bind(x, xs.data(), {B, N}), bind(w, ws.data(), {K, N}),
                                                           bind(b, bs), bind(t, ts.data(), {B, K}), dw2);
        CHECK(std::isfinite(l1));
        CHECK(std::isfinite(l2));
        for (std::size_t i = 0; i < g1.size(); ++i) {
            CHECK(std::isfinite(g1[i]));
            CHECK(g1[i] == Approx(g2[i]).margin(1e-5).epsilon(1e-4));
        }
        if (scale < 1)
            CHECK(l1 == Approx(l2).epsilon(1e-5));  // equal until the log clamp at -100
    }
}
