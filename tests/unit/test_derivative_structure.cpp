// The derivatives ctgrad builds, pinned as types: the lecture's closed form falls out of the
// rules and the simplifier. Compiling this file is most of the test.

#include <catch2/catch.hpp>
#include <ctgrad/ctgrad.hpp>
#include <type_traits>

namespace {
using namespace ctgrad;
using detail::type_list;

template <class A, class B>
inline constexpr bool same = std::is_same_v<std::remove_cvref_t<A>, std::remove_cvref_t<B>>;

// Counts the distinct call nodes of function Fn among the nodes the fused pass evaluates.
template <class Fn, class Nodes>
struct count_calls;
template <class Fn, class... N>
struct count_calls<Fn, type_list<N...>> {
    static constexpr std::size_t value = (std::size_t{0} + ... + std::is_same_v<detail::call_fn_t<N>, Fn>);
};

namespace single {  // the lecture's first perceptron: one output, no bias
constexpr axis<"n", 10> n;
constexpr axis<"k", 1> k;
constexpr auto x = input<"x">(batch, n);
constexpr auto t = input<"t">(batch, k);
constexpr auto w = parameter<"w">(k, n);
constexpr auto o = sigmoid(matmul(x, transpose(w)));
constexpr auto E = 0.5_c * sum(pow<2>(o - t));
constexpr auto delta = (o - t) * o * (1_c - o);  // ∂E/∂z, the lecture's (O − t)·O·(1 − O)

// ∂E/∂w_j = (O − t)·O·(1 − O)·x_j, summed over the batch: δᵀ·x.
static_assert(same<decltype(grad(E, w)), decltype(matmul(transpose(delta), x))>);
// ∂E/∂x_j = δ·w_j.
static_assert(same<decltype(grad(E, x)), decltype(matmul(delta, w))>);
// ∂E/∂t = −(O − t).
static_assert(same<decltype(grad(E, t)), decltype(-1_c * (o - t))>);
// A variable that E does not contain: the compile-time zero.
constexpr auto unrelated = parameter<"v">(k, n);
static_assert(same<decltype(grad(E, unrelated)), zero_expr>);
// σ' reuses σ: one sigmoid node, no exponential, in everything the fused pass evaluates.
using plan = detail::plan<decltype(E), decltype(w), decltype(x)>;
static_assert(count_calls<sigmoid_fn, plan::nodes>::value == 1);
static_assert(count_calls<exp_fn, plan::nodes>::value == 0);
// The three gradient terms share one grid expression δ: evaluated once per element.
static_assert(detail::tl_contains_v<plan::nodes, std::remove_cvref_t<decltype(delta)>>);
}  // namespace single

namespace multi {  // the lecture's second perceptron: K outputs, the 1×1 target broadcast
constexpr axis<"n", 10> n;
constexpr axis<"k", 2> k;
constexpr auto x = input<"x">(batch, n);
constexpr auto w = parameter<"w">(k, n);
constexpr auto o = sigmoid(matmul(x, transpose(w)));
constexpr auto loss = mse_loss(ones(1, 1), o);  // mean((1 − O)²)
using inv_size = terminal<inverse_size<axes<batch_axis, axis<"k", 2>>>>;
// ∂/∂w_jk mean((1 − O_k)²) = −2/(B·K) · (1 − O_k)·O_k·(1 − O_k)·x_j: constants folded in front.
static_assert(
    same<decltype(grad(loss, w)), decltype(-2_c * matmul(transpose(inv_size{} * (1_c - o) * o * (1_c - o)), x))>);
// mse_loss(o, t) with a bound target: +2/(B·K)·(O − t)·O·(1 − O)·x.
constexpr auto t = input<"t">(batch, k);
static_assert(same<decltype(grad(mse_loss(o, t), w)),
                   decltype(2_c * matmul(transpose(inv_size{} * (o - t) * o * (1_c - o)), x))>);
}  // namespace multi

namespace bias {  // with a bias, ∂E/∂b sums δ over the batch
constexpr axis<"n"> n;
constexpr axis<"k"> k;
constexpr auto x = input<"x">(batch, n);
constexpr auto t = input<"t">(batch, k);
constexpr auto w = parameter<"w">(k, n);
constexpr auto b = parameter<"b">(k);
constexpr auto o = sigmoid(matmul(x, transpose(w)) + b);
constexpr auto E = 0.5_c * sum(pow<2>(o - t));
constexpr auto delta = (o - t) * o * (1_c - o);
static_assert(same<decltype(grad(E, b)), decltype(sum_over(delta, batch))>);
static_assert(same<decltype(grad(E, w)), decltype(matmul(transpose(delta), x))>);
// Shapes of the derivatives are the shapes of the variables.
static_assert(same<shape_of_t<decltype(grad(E, w))>, shape_of_t<decltype(w)>>);
static_assert(same<shape_of_t<decltype(grad(E, b))>, shape_of_t<decltype(b)>>);
static_assert(same<shape_of_t<decltype(grad(E, x))>, shape_of_t<decltype(x)>>);
}  // namespace bias

namespace rules {  // other operations: each rule, simplified
constexpr axis<"k", 3> k;
constexpr auto a = parameter<"a">(batch, k);
constexpr auto c = input<"c">(batch, k);
// exp' reuses exp.
static_assert(same<decltype(grad(sum(exp(a)), a)), decltype(exp(a))>);
// log'(a) = 1/a.
static_assert(same<decltype(grad(sum(log(a)), a)), decltype(1_c / a)>);
// pow<3>' = 3·a².
static_assert(same<decltype(grad(sum(pow<3>(a)), a)), decltype(3_c * pow<2>(a))>);
// Product rule, with the constant seed folded away: ∂(a·c)/∂a = c.
static_assert(same<decltype(grad(sum(a * c), a)), decltype(c)>);
// Quotient rule: ∂(c/a)/∂a = −(c/a²).
static_assert(same<decltype(grad(sum(c / a), a)), decltype(-1_c * (c / pow<2>(a)))>);
// Negation and subtraction fold into the constant.
static_assert(same<decltype(grad(sum(-(a - c)), a)), decltype(-1_c)>);
// A sum of two losses differentiates term by term.
static_assert(same<decltype(grad(sum(exp(a)) + sum(log(a)), a)), decltype(exp(a) + 1_c / a)>);
// Compile-time constants are exact rationals.
static_assert(same<decltype(0.5_c), constant_expr<1, 2>>);
static_assert(same<decltype(simplify::mul(0.5_c, 2_c)), one_expr>);
static_assert(same<decltype(simplify::mul(zero_expr{}, a)), zero_expr>);
static_assert(same<decltype(simplify::add(a, zero_expr{})), decltype(a)>);
}  // namespace rules

}  // namespace

TEST_CASE("derivative structure is pinned at compile time", "[diff][static]") {
    // The static_asserts above are the test; this case records that the file compiled.
    using namespace single;
    STATIC_REQUIRE(same<decltype(grad(E, w)), decltype(matmul(transpose(delta), x))>);
    STATIC_REQUIRE(rank_v<decltype(E)> == 0);
}
