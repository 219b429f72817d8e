// Exact constants: decimal literals become exact fractions, folding is exact and checked.
// A library of static_asserts (compiling is passing), plus one run-time check of the values.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <vector>
#include <type_traits>

#include <ctgrad/ctgrad.hpp>

using namespace ctgrad;

namespace {
template <class A, class B>
constexpr bool same = std::is_same_v<std::remove_cvref_t<A>, std::remove_cvref_t<B>>;

// ---- literals --------------------------------------------------------------------------------
static_assert(same<decltype(0.5_c), constant_expr<1, 2>>);
static_assert(same<decltype(2_c), constant_expr<2>>);
static_assert(same<decltype(0_c), zero_expr>);
static_assert(same<decltype(0.000_c), zero_expr>);
// √(2/π) as printed by Python, 16 digits after the point: exact, in lowest terms.
static_assert(same<decltype(0.7978845608028654_c), constant_expr<3989422804014327, 5000000000000000>>);
// 18 significant digits always fit.
static_assert(same<decltype(0.123456789012345678_c), constant_expr<61728394506172839, 500000000000000000>>);
static_assert(same<decltype(123456789.123456789_c), constant_expr<123456789123456789, 1000000000>>);
// Trailing zeros after the point cost nothing, however many.
static_assert(same<decltype(1.5000000000000000000000000_c), constant_expr<3, 2>>);
static_assert(same<decltype(0.044715_c), constant_expr<8943, 200000>>);
// Exponents.
static_assert(same<decltype(1e-3_c), constant_expr<1, 1000>>);
static_assert(same<decltype(2.5e2_c), constant_expr<250>>);
static_assert(same<decltype(2.5E+2_c), constant_expr<250>>);
static_assert(same<decltype(1.25e-17_c), constant_expr<1, 80000000000000000>>);
static_assert(same<decltype(120e-1_c), constant_expr<12>>);
// Digit separators.
static_assert(same<decltype(1'000.5_c), constant_expr<2001, 2>>);

// ---- folding: cross-cancelled before multiplying, so exact results that fit are found -------
using detail::checked_rational;
using detail::rational_product;
using detail::rational_sum;
constexpr std::intmax_t big = 3989422804014327;  // √(2/π)'s numerator above
constexpr std::intmax_t big_den = 5000000000000000;
// (big/big_den)·(big_den/big) = 1: the naive big·big_den overflows, the cross-gcd does not.
static_assert(rational_product(big, big_den, big_den, big).num == 1);
static_assert(rational_product(big, big_den, big_den, big).den == 1);
static_assert(!rational_product(big, big_den, 1, 2).overflow);
static_assert(rational_product(big, big_den, 1, 2).den == 2 * big_den);
// A product whose lowest terms do not fit is refused, not wrapped around.
static_assert(rational_product(big, big_den, 8943, 200000).overflow);
static_assert(rational_product(INTMAX_MAX, 1, 2, 1).overflow);
static_assert(rational_product(-INTMAX_MAX, 1, -1, 1).num == INTMAX_MAX);
// Sums over the least common denominator: 1/big_den + 1/big_den = 1/(big_den / 2).
static_assert(rational_sum(1, big_den, 1, big_den).num == 1);
static_assert(rational_sum(1, big_den, 1, big_den).den == big_den / 2);
static_assert(rational_sum(big, big_den, -big, big_den).num == 0);
static_assert(rational_sum(INTMAX_MAX, 1, 1, 1).overflow);
static_assert(rational_sum(-INTMAX_MAX, 1, -1, 1).overflow);
static_assert(rational_sum(1, INTMAX_MAX, 1, INTMAX_MAX - 1).overflow);

// ---- the simplifier folds through the checked arithmetic ------------------------------------
static_assert(same<decltype(simplify::mul(0.7978845608028654_c, 0.5_c)), constant_expr<3989422804014327, 10000000000000000>>);
static_assert(same<decltype(simplify::mul(0.7978845608028654_c, 1.25_c)), constant_expr<3989422804014327, 4000000000000000>>);
static_assert(same<decltype(simplify::add(0.7978845608028654_c, -0.7978845608028654_c)), zero_expr>);
static_assert(same<decltype(simplify::div(0.7978845608028654_c, 0.7978845608028654_c)), one_expr>);
static_assert(same<decltype(simplify::sub(1e-18_c, 1e-18_c)), zero_expr>);
}  // namespace

TEST_CASE("constants: the exact fractions of long literals evaluate to the nearest double", "[constants]") {
    CHECK(leaf_t<decltype(0.7978845608028654_c)>::value<double>() == 0.7978845608028654);
    CHECK(leaf_t<decltype(0.044715_c)>::value<double>() == 0.044715);
    CHECK(leaf_t<decltype(1e-3_c)>::value<double>() == 1e-3);
    CHECK(leaf_t<decltype(0.123456789012345678_c)>::value<double>() == 0.123456789012345678);
}

namespace {
// A literal inside a function template, used at run time: clang 14 left a consteval literal
// operator called there unevaluated, and the program failed to link (gelu did, too).
template <class E>
auto scaled_by_literals(const E& e) {
    return 0.25_c * e + 1e-3_c;
}
}  // namespace

TEST_CASE("constants: literals inside function templates are evaluated at compile time", "[constants]") {
    constexpr axis<"n", 3> n;
    const auto x = input<"x">(batch, n);
    const auto w = parameter<"w">(n);
    const auto loss = mean(gelu(scaled_by_literals(x * w)));
    const std::vector<double> xs{0.5, -1.0, 2.0, 1.5, 0.0, -0.25}, ws{0.3, -0.7, 1.1};
    std::vector<double> dw(3);
    const auto [L, g] = value_and_grad(loss, wrt(w))(bind(x, xs), bind(w, ws), dw);
    double expected = 0;  // the same loss, written out in double
    for (std::size_t i = 0; i < xs.size(); ++i) {
        const double a = 0.25 * xs[i] * ws[i % 3] + 1e-3;
        expected += 0.5 * a * (1 + std::tanh(0.7978845608028654 * (a + 0.044715 * a * a * a)));
    }
    CHECK(L == Approx(expected / 6).epsilon(1e-12));
    CHECK(g.size() == 3);
}
