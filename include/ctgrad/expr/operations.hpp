#pragma once
/// \file
/// What a user writes: C++ operators and named functions that build expression types.
/// Nothing is simplified here: the tree is what the user wrote, so printing shows it as written.
/// The operations that are not elementwise (matmul, transpose, sum, sum_over, mean, logsumexp,
/// one_hot, argmax) are each in their own header, ctgrad/ops/*.hpp, with their rules, as are
/// the newer elementwise ones (abs and sign; maximum, minimum and the clamps).

#include <type_traits>

#include "ctgrad/expr/functions.hpp"
#include "ctgrad/expr/leaves.hpp"
#include "ctgrad/expr/node.hpp"
#include "ctgrad/expr/operands.hpp"
#include "ctgrad/expr/shape.hpp"
#include "ctgrad/ops/abs.hpp"
#include "ctgrad/ops/argmax.hpp"
#include "ctgrad/ops/logsumexp.hpp"
#include "ctgrad/ops/matmul.hpp"
#include "ctgrad/ops/minmax.hpp"
#include "ctgrad/ops/one_hot.hpp"
#include "ctgrad/ops/reduce_mean.hpp"
#include "ctgrad/ops/reduce_sum.hpp"
#include "ctgrad/ops/transpose.hpp"

namespace ctgrad {

/// Elementwise sum, broadcasting by axis name (a bias b[k] against z[batch, k]).
template <class L, class R>
requires detail::OperatorOperands<L, R>
constexpr auto operator+(const L& l, const R& r) {
    return detail::binary<expr_kind::plus>(l, r);
}
/// Elementwise difference, broadcasting by axis name.
template <class L, class R>
requires detail::OperatorOperands<L, R>
constexpr auto operator-(const L& l, const R& r) {
    return detail::binary<expr_kind::minus>(l, r);
}
/// Elementwise product, broadcasting by axis name (not a matrix product: see `matmul`).
template <class L, class R>
requires detail::OperatorOperands<L, R>
constexpr auto operator*(const L& l, const R& r) {
    return detail::binary<expr_kind::multiplies>(l, r);
}
/// Elementwise quotient, broadcasting by axis name.
template <class L, class R>
requires detail::OperatorOperands<L, R>
constexpr auto operator/(const L& l, const R& r) {
    return detail::binary<expr_kind::divides>(l, r);
}
/// Elementwise negation. A negated constant is the negative constant: `-2_c` is -2.
template <Expression A>
constexpr auto operator-(const A& a) {
    if constexpr (Constant<A>) {
        return constant_expr<-leaf_t<A>::num, leaf_t<A>::den>{};
    } else {
        return make_node<expr_kind::negate>(a);
    }
}

/// e^a, elementwise (`torch.exp`).
template <Expression A>
constexpr auto exp(const A& a) {
    return make_call<exp_fn>(a);
}
/// Natural logarithm, elementwise (`torch.log`).
template <Expression A>
constexpr auto log(const A& a) {
    return make_call<log_fn>(a);
}
/// The logistic sigmoid 1 / (1 + e^-a), elementwise (`torch.sigmoid`).
template <Expression A>
constexpr auto sigmoid(const A& a) {
    return make_call<sigmoid_fn>(a);
}
/// The hyperbolic tangent, elementwise (`torch.tanh`).
template <Expression A>
constexpr auto tanh(const A& a) {
    return make_call<tanh_fn>(a);
}
/// max(a, 0), elementwise (`torch.relu`). Its derivative is `heaviside(a)`: 0 at 0, as PyTorch's.
template <Expression A>
constexpr auto relu(const A& a) {
    return make_call<relu_fn>(a);
}
/// 1 where a > 0, else 0, elementwise (`torch.heaviside(a, 0)`); its derivative is 0. Named
/// `heaviside`, not `step`, so that a user's `const auto step = value_and_grad(...)` does not
/// collide with it under `using namespace ctgrad` (tests/unit/test_name_collisions.cpp).
template <Expression A>
constexpr auto heaviside(const A& a) {
    return make_call<heaviside_fn>(a);
}
/// log(1 + e^a), elementwise (`F.softplus`), without overflow for large a.
template <Expression A>
constexpr auto softplus(const A& a) {
    return make_call<softplus_fn>(a);
}
/// a^N for an integer N, elementwise (`a ** N`): `pow<2>(o - t)`.
template <int N, Expression A>
constexpr auto pow(const A& a) {
    return make_call<pow_fn<N>>(a);
}
/// The softmax along `axis`, exp(a − logsumexp(a, axis)) (`torch.softmax(a, dim)`).
template <Expression A, class Axis>
constexpr auto softmax(const A& a, Axis axis) {
    return exp(a - logsumexp(a, axis));
}
/// The GELU with PyTorch's tanh approximation (`F.gelu(a, approximate='tanh')`),
/// 0.5·a·(1 + tanh(√(2/π)·(a + 0.044715·a³))): a composition of existing elementwise operations,
/// so differentiation, lowering, printing and the reference need nothing new. The polynomial is
/// expanded, √(2/π)·a + (√(2/π)·0.044715)·a³ (the second constant to 17 digits), so that its
/// derivative folds no product of two long constants (which no exact 64-bit fraction holds).
template <Expression A>
constexpr auto gelu(const A& a) {
    return 0.5_c * a * (1_c + tanh(0.7978845608028654_c * a + 0.035677408136300125_c * pow<3>(a)));
}
/// `F.cross_entropy(z, y)` (mean reduction): the mean over the batch of
/// logsumexp_k(z) − z[y], for logits z[batch, k] and class indices y[batch]. Its derivative
/// with respect to z is the textbook (softmax(z) − onehot(y)) / B.
template <Expression Z, Expression Y>
constexpr auto cross_entropy(const Z& z, const Y& y) {
    using S = shape_of_t<Z>;
    static_assert(S::rank == 2 && detail::contains_v<batch_axis, S>,
                  "ctgrad: cross_entropy(z, y) takes logits z[batch, k] (one row of class scores per sample)");
    static_assert(std::is_same_v<shape_of_t<Y>, axes<batch_axis>>,
                  "ctgrad: cross_entropy(z, y): y holds one class index per sample, y = input<\"y\">(batch)");
    const auto classes = detail::shape_traits::axis_at_t<axes_minus_t<S, axes<batch_axis>>, 0>{};
    return mean(logsumexp(z, classes) - sum_over(z * one_hot(y, classes), classes));
}
/// `F.binary_cross_entropy(o, t)`: the mean of -(t log o + (1 - t) log(1 - o)), logs clamped
/// at -100. t must have o's shape (a compile error otherwise: PyTorch refuses it too). After a sigmoid, its derivative simplifies to the
/// textbook (o - t) (the o(1 - o) of the sigmoid cancels): no division is evaluated.
template <class A, class B>
requires detail::OperatorOperands<A, B>
constexpr auto binary_cross_entropy(const A& o, const B& t) {
    static_assert(detail::same_shape_operands_v<A, B>,
                  "ctgrad: binary_cross_entropy(o, t): the target t must have the shape of o (PyTorch: \"Target "
                  "size must be the same as input size\"); only mse_loss and the other regression losses broadcast");
    auto e = make_call<bce_fn>(detail::as_operand(o), detail::as_operand(t));
    (void)shape_of_t<decltype(e)>{};
    return mean(e);
}

/// `F.binary_cross_entropy_with_logits(z, t)`: the same loss on logits, as the mean of
/// softplus(z) - t z, stable for any z; its derivative is σ(z) - t. t must have z's shape.
template <class A, class B>
requires detail::OperatorOperands<A, B>
constexpr auto binary_cross_entropy_with_logits(const A& z, const B& t) {
    static_assert(detail::same_shape_operands_v<A, B>,
                  "ctgrad: binary_cross_entropy_with_logits(z, t): the target t must have the shape of z (PyTorch: "
                  "\"Target size must be the same as input size\"); only mse_loss and the other regression losses "
                  "broadcast");
    return mean(softplus(detail::as_operand(z)) - detail::as_operand(z) * detail::as_operand(t));
}

/// `F.mse_loss(input, target)`: mean over the broadcast shape of (input - target)^2.
/// Symmetric in its arguments, so the lecture's `mse_loss(ones(1, 1), o)` is the same loss.
template <class A, class B>
requires detail::OperatorOperands<A, B>
constexpr auto mse_loss(const A& input, const B& target) {
    static_assert(detail::nested_shape_operands_v<A, B>,
                  "ctgrad: mse_loss(input, target): the target has an axis the input lacks, or the input one the target lacks "
                  "(axes are matched by name: declare the target with the input's axes, e.g. input<\"t\">(batch, k) "
                  "for an input [batch, k])");
    if constexpr (detail::nested_shape_operands_v<A, B>)
        return mean(pow<2>(input - target));
    else  // one error, the one above (a loss of both operands: nothing else complains)
        return mean(pow<2>(input)) + mean(pow<2>(target));
}

/// `F.l1_loss(input, target)`: mean over the broadcast shape of |input - target|. Its
/// derivative is sign(input - target) / size: 0 where they are equal, as in PyTorch.
template <class A, class B>
requires detail::OperatorOperands<A, B>
constexpr auto l1_loss(const A& input, const B& target) {
    static_assert(detail::nested_shape_operands_v<A, B>,
                  "ctgrad: l1_loss(input, target): the target has an axis the input lacks, or the input one the target lacks "
                  "(axes are matched by name: declare the target with the input's axes, e.g. input<\"t\">(batch, k) "
                  "for an input [batch, k])");
    if constexpr (detail::nested_shape_operands_v<A, B>)
        return mean(abs(input - target));
    else  // one error, the one above (a loss of both operands: nothing else complains)
        return mean(pow<2>(input)) + mean(pow<2>(target));
}

namespace detail {
/// Huber's function of the residual d with threshold δ, written c·(d − ½c) with c = clamp(d, −δ, δ):
/// ½d² where |d| ≤ δ, δ(|d| − ½δ) beyond. No case is recognised: the derivative is what the
/// rules give, c + [−δ ≤ d ≤ δ]·(d − c) = clamp(d, −δ, δ) (the mask's term vanishes at the bounds).
/// (½ is spelled constant_expr<1, 2>, not 0.5_c: clang 14 leaves a consteval literal operator
/// undefined when a template that uses it is instantiated outside a constant expression.)
template <class D, class Delta>
constexpr auto huber(const D& d, Delta delta) {
    const auto c = clamp(d, -delta, delta);
    return c * (d - constant_expr<1, 2>{} * c);
}
template <class C>
inline constexpr bool positive_constant_v = [] {
    if constexpr (Constant<C>)
        return leaf_t<C>::num > 0;
    else
        return false;
}();
}  // namespace detail

/// `F.huber_loss(input, target, delta=1.0)`: mean over the broadcast shape of ½d² where
/// |d| ≤ δ and δ(|d| − ½δ) beyond, d = input − target. δ is a positive compile-time constant
/// (`0.5_c`); its derivative is clamp(d, −δ, δ) / size.
template <class A, class B, class Delta = one_expr>
requires detail::OperatorOperands<A, B>
constexpr auto huber_loss(const A& input, const B& target, Delta delta = {}) {
    static_assert(detail::positive_constant_v<Delta>,
                  "ctgrad: huber_loss(input, target, delta): delta is a positive compile-time constant such as 0.5_c "
                  "(PyTorch: huber_loss does not support non-positive values for delta)");
    static_assert(detail::nested_shape_operands_v<A, B>,
                  "ctgrad: huber_loss(input, target): the target has an axis the input lacks, or the input one the target lacks "
                  "(axes are matched by name: declare the target with the input's axes, e.g. input<\"t\">(batch, k) "
                  "for an input [batch, k])");
    if constexpr (detail::positive_constant_v<Delta> && detail::nested_shape_operands_v<A, B>)
        return mean(detail::huber(input - target, delta));
    else
        return zero_expr{};  // one error, the one above
}

/// `F.smooth_l1_loss(input, target, beta=1.0)`: mean over the broadcast shape of ½d²/β where
/// |d| < β and |d| − ½β beyond: Huber's loss with δ = β, divided by β. β is a non-negative
/// compile-time constant; `0_c` gives `l1_loss` (PyTorch 1.13 has its value, but passes −1 per
/// element, not 0, where d is exactly 0), and the default `1_c` the same expression as
/// `huber_loss(input, target)`.
template <class A, class B, class Beta = one_expr>
requires detail::OperatorOperands<A, B>
constexpr auto smooth_l1_loss(const A& input, const B& target, Beta beta = {}) {
    static_assert(Constant<Beta> && (detail::positive_constant_v<Beta> || is_zero_v<Beta>),
                  "ctgrad: smooth_l1_loss(input, target, beta): beta is a non-negative compile-time constant such as "
                  "0.5_c (PyTorch: smooth_l1_loss does not support negative values for beta)");
    static_assert(detail::nested_shape_operands_v<A, B>,
                  "ctgrad: smooth_l1_loss(input, target): the target has an axis the input lacks, or the input one the target lacks "
                  "(axes are matched by name: declare the target with the input's axes, e.g. input<\"t\">(batch, k) "
                  "for an input [batch, k])");
    if constexpr (!Constant<Beta> || !detail::nested_shape_operands_v<A, B>)
        return zero_expr{};  // one error, the one above
    else if constexpr (is_zero_v<Beta>)
        return l1_loss(input, target);
    else if constexpr (is_one_v<Beta>)
        return huber_loss(input, target);
    else
        return mean(detail::huber(input - target, beta) / beta);
}

}  // namespace ctgrad
