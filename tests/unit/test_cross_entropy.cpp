// Cross-entropy over K classes (F.cross_entropy: log-softmax + NLL, mean over the batch): the
// textbook closed form (softmax − onehot) falls out of the rules for logsumexp and one_hot;
// values match PyTorch and finite differences; saturated logits stay finite; bad class
// indices are refused before anything is written.

#include <boost/hana/unpack.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <ctgrad/ctgrad.hpp>
#include <ctgrad/reference/evaluate.hpp>
#include <limits>
#include <vector>

#include "finite_differences.hpp"
#include "test_support.hpp"

namespace {
using namespace ctgrad;
using test_support::normal;
using test_support::finite_difference;
using test_support::worst_relative_error;

constexpr axis<"j"> j;
constexpr axis<"k"> k;
constexpr auto x = input<"x">(batch, j);
constexpr auto y = input<"y">(batch);
constexpr auto w = parameter<"w">(k, j);
constexpr auto b = parameter<"b">(k);
constexpr auto z = matmul(x, transpose(w)) + b;
constexpr auto ce = cross_entropy(z, y);

template <class E>
constexpr std::size_t divisions(E) {
    if constexpr (detail::is_kind_v<E, expr_kind::terminal>) {
        return 0;
    } else {
        return (E::kind == expr_kind::divides) +
               boost::hana::unpack(E{}.elements, [](auto... c) { return (divisions(c) + ... + std::size_t{0}); });
    }
}

using inv_batch = terminal<inverse_size<axes<batch_axis>>>;
// ∂/∂w = (1/B) (softmax(z) − onehot(y))ᵀ x, with softmax(z) = exp(z − logsumexp_k(z)): the
// textbook closed form, and nothing divided.
static_assert(std::is_same_v<std::remove_cvref_t<decltype(grad(ce, w))>,
                             std::remove_cvref_t<decltype(matmul(transpose(inv_batch{} * (softmax(z, k) - one_hot(y, k))),
                                                                 x))>>);
static_assert(std::is_same_v<std::remove_cvref_t<decltype(grad(ce, b))>,
                             std::remove_cvref_t<decltype(sum_over(inv_batch{} * (softmax(z, k) - one_hot(y, k)),
                                                                   batch))>>);
static_assert(divisions(grad(ce, w)) == 0 && divisions(grad(ce, b)) == 0);
// Class indices are labels: no gradient flows into them.
static_assert(is_zero_v<std::remove_cvref_t<decltype(grad(ce, y))>>);

}  // namespace

TEST_CASE("cross_entropy matches a PyTorch session", "[cross_entropy]") {
    // torch: x = [[1,2,3],[4,5,6]], w = [[.1,.2,.3],[-.1,.5,.2],[.3,-.2,.1],[0,.1,.1]],
    // b = [.1,.2,.3,.4], y = [2, 0]; l = F.cross_entropy(x @ w.t() + b, y); l.backward()
    // (float64, PyTorch 1.13).
    const std::vector<double> xs{1, 2, 3, 4, 5, 6}, ys{2, 0}, bs{0.1, 0.2, 0.3, 0.4};
    const std::vector<double> ws{0.1, 0.2, 0.3, -0.1, 0.5, 0.2, 0.3, -0.2, 0.1, 0.0, 0.1, 0.1};
    const double torch_loss = 1.5294538560819548;
    const std::vector<double> torch_dw{-1.039868346875869,  -1.1803361389062386, -1.3208039309366082,
                                       1.172707449322697,   1.6118410797842193,  2.050974710245742,
                                       -0.35265380108772426, -0.7718559176092326, -1.1910580341307409,
                                       0.2198146986408962,  0.3403509767312517,  0.4608872548216072};
    std::vector<double> dw(12), db(4);
    auto [loss, gw, gb] = value_and_grad(ce, wrt(w, b))(bind(x, xs.data(), {2, 3}), bind(y, ys),
                                                        bind(w, ws.data(), {4, 3}), bind(b, bs), dw, db);
    CHECK(loss == Approx(torch_loss).epsilon(1e-14));
    CHECK(worst_relative_error(dw, torch_dw, 1e-12) < 1e-13);
    (void)gw;
    (void)gb;
}

TEST_CASE("cross_entropy: finite differences, one layer and two", "[cross_entropy][fd]") {
    const std::size_t B = 7, N = 5, K = 4;
    auto xs = normal<double>(B * N, 1), ws = normal<double>(K * N, 2, 0.5), bs = normal<double>(K, 3, 0.1);
    std::vector<double> ys(B);
    for (std::size_t i = 0; i < B; ++i)
        ys[i] = static_cast<double>((3 * i + 1) % K);
    auto bind_all = [&] {
        return std::make_tuple(bind(x, xs.data(), {B, N}), bind(y, ys), bind(w, ws.data(), {K, N}), bind(b, bs));
    };
    SECTION("one layer") {
        std::vector<double> dw(ws.size()), db(bs.size()), dx(xs.size());
        std::apply([&](auto&&... a) { return value_and_grad(ce, wrt(w, b, x))(a..., dw, db, dx); }, bind_all());
        CHECK(worst_relative_error(dw, finite_difference(ce, ws, bind_all), 1e-3) < 1e-6);
        CHECK(worst_relative_error(db, finite_difference(ce, bs, bind_all), 1e-3) < 1e-6);
        CHECK(worst_relative_error(dx, finite_difference(ce, xs, bind_all), 1e-3) < 1e-6);
    }
    SECTION("a logsumexp alone, and a softmax probability") {
        constexpr auto loss = mean(logsumexp(z, k)) + sum(softmax(z, k) * one_hot(y, k));
        std::vector<double> dw(ws.size());
        std::apply([&](auto&&... a) { return value_and_grad(loss, wrt(w))(a..., dw); }, bind_all());
        CHECK(worst_relative_error(dw, finite_difference(loss, ws, bind_all), 1e-3) < 1e-6);
    }
}

TEST_CASE("cross_entropy: saturated logits stay finite, as PyTorch's log-softmax", "[cross_entropy][numerics]") {
    // Logits of ±1e4 overflow exp in any precision; log-sum-exp subtracts the row maximum.
    const std::vector<float> xs{1, -1, 2, 0.5f}, ys{0, 1};
    const std::vector<float> ws{1e4f, -1e4f, -1e4f, 1e4f, 0, 0}, bs{0, 0, 0};
    std::vector<float> dw(6), db(3);
    auto [loss, gw, gb] = value_and_grad(ce, wrt(w, b))(bind(x, xs.data(), {2, 2}), bind(y, ys),
                                                        bind(w, ws.data(), {3, 2}), bind(b, bs), dw, db);
    const double reference = reference::evaluate_scalar(ce, bind(x, xs.data(), {2, 2}), bind(y, ys),
                                                        bind(w, ws.data(), {3, 2}), bind(b, bs));
    CHECK(std::isfinite(loss));
    CHECK(loss == Approx(reference).epsilon(1e-6));
    for (float v : dw)
        CHECK(std::isfinite(v));
    (void)gw;
    (void)gb;
}

TEST_CASE("cross_entropy: a bad class index is refused, nothing written", "[cross_entropy][errors]") {
    const std::vector<float> xs{1, 2, 3, 4}, ws{0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f}, bs{0, 0, 0};
    const float nan = std::numeric_limits<float>::quiet_NaN();
    for (float bad : {3.0f, -1.0f, 0.5f, nan}) {
        const std::vector<float> ys{0, bad};
        std::vector<float> dw(6, 7.f), db(3, 7.f);
        float loss = -1;
        const status s = value_and_grad(ce, wrt(w, b))
                             .try_evaluate(loss, bind(x, xs.data(), {2, 2}), bind(y, ys), bind(w, ws.data(), {3, 2}),
                                           bind(b, bs), dw, db);
        INFO("class index " << bad);
        CHECK(s.code == errc::class_index);
        CHECK(s.variable == "y");
        CHECK(s.actual == 1);  // the sample
        CHECK_THAT(s.message(), Catch::Contains("sample 1 of 'y' is not a class index") &&
                                    Catch::Contains("from 0 to 2"));
        CHECK(loss == -1);
        CHECK(dw[0] == 7.f);
        CHECK_THROWS_AS(reference::evaluate_scalar(ce, bind(x, xs.data(), {2, 2}), bind(y, ys),
                                                   bind(w, ws.data(), {3, 2}), bind(b, bs)),
                        evaluation_error);
    }
}
