#pragma once
/// \file
/// What a user writes: C++ operators and named functions that build expression types.
/// Nothing is simplified here: the tree is what the user wrote, so printing shows it as written.
/// The operations that are not elementwise (matmul, transpose, sum, sum_over, mean, logsumexp,
/// one_hot, argmax) are each in their own header, ctgrad/ops/*.hpp, with their rules.

#include <type_traits>

#include "ctgrad/expr/functions.hpp"
#include "ctgrad/expr/leaves.hpp"
#include "ctgrad/expr/node.hpp"
#include "ctgrad/expr/shape.hpp"
#include "ctgrad/ops/argmax.hpp"
#include "ctgrad/ops/logsumexp.hpp"
#include "ctgrad/ops/matmul.hpp"
#include "ctgrad/ops/one_hot.hpp"
#include "ctgrad/ops/reduce_mean.hpp"
#include "ctgrad/ops/reduce_sum.hpp"
#include "ctgrad/ops/transpose.hpp"

namespace ctgrad {

namespace detail {
/// An operand of an operator: an expression, or a number we refuse with an explanation.
template <class T>
constexpr auto as_operand(const T& t) {
    if constexpr (Expression<T>) {
        (void)shape_of_t<T>{};  // shape errors surface here, near the user's line
        return t;
    } else {
        static_assert(always_false_v<T>,
                      "ctgrad: a plain number in an expression: write compile-time constants as "
                      "0.5_c or 2_c (using namespace ctgrad::literals), so the derivative stays exact");
        return zero_expr{};
    }
}

template <class L, class R>
concept OperatorOperands = (Expression<L> || Expression<R>)&&(Expression<L> ||
                                                              std::is_arithmetic_v<L>)&&(Expression<R> ||
                                                                                         std::is_arithmetic_v<R>);

template <expr_kind K, class L, class R>
constexpr auto binary(const L& l, const R& r) {
    auto a = as_operand(l);
    auto b = as_operand(r);
    auto n = make_node<K>(a, b);
    (void)shape_of_t<decltype(n)>{};
    return n;
}
}  // namespace detail

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
/// `F.binary_cross_entropy(o, t)`: the mean of -(t log o + (1 - t) log(1 - o)) over the
/// broadcast shape, logs clamped at -100. After a sigmoid, its derivative simplifies to the
/// textbook (o - t) (the o(1 - o) of the sigmoid cancels): no division is evaluated.
template <class A, class B>
requires detail::OperatorOperands<A, B>
constexpr auto binary_cross_entropy(const A& o, const B& t) {
    auto e = make_call<bce_fn>(detail::as_operand(o), detail::as_operand(t));
    (void)shape_of_t<decltype(e)>{};
    return mean(e);
}

/// `F.binary_cross_entropy_with_logits(z, t)`: the same loss on logits, as the mean of
/// softplus(z) - t z, stable for any z; its derivative is σ(z) - t.
template <class A, class B>
requires detail::OperatorOperands<A, B>
constexpr auto binary_cross_entropy_with_logits(const A& z, const B& t) {
    return mean(softplus(detail::as_operand(z)) - detail::as_operand(z) * detail::as_operand(t));
}

/// `F.mse_loss(input, target)`: mean over the broadcast shape of (input - target)^2.
/// Symmetric in its arguments, so the lecture's `mse_loss(ones(1, 1), o)` is the same loss.
template <class A, class B>
requires detail::OperatorOperands<A, B>
constexpr auto mse_loss(const A& input, const B& target) {
    return mean(pow<2>(input - target));
}

}  // namespace ctgrad
