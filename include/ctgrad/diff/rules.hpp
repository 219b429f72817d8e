#pragma once
/// \file
/// The derivative rule table for elementwise functions: one specialisation per function tag,
/// as Hana's `_impl` tables. `local(a, self)` is f'(a), where `self` is the node f(a) itself, so
/// a rule may reuse the forward value instead of recomputing it (σ' = σ·(1 − σ), exp' = exp).
/// A function of two arguments gives `partial(std::integral_constant<int, I>, a, b, self)`.
/// A new elementwise function needs a tag (expr/functions.hpp), a rule here, and a kernel
/// (lower/elementwise.hpp); differentiation and lowering pick it up from there.

#include <type_traits>

#include "ctgrad/diff/simplify.hpp"
#include "ctgrad/expr/functions.hpp"

namespace ctgrad {

/// The derivative of the elementwise function Fn. Specialise for a new function.
template <class Fn>
struct derivative_rule {
    static_assert(detail::always_false_v<Fn>,
                  "ctgrad: this function has no derivative rule: specialise ctgrad::derivative_rule<Fn> "
                  "with `static constexpr auto local(auto arg, auto self)` returning f'(arg)");
};

/// exp' = exp: the forward value itself.
template <>
struct derivative_rule<exp_fn> {
    static constexpr auto local(auto, auto self) { return self; }
};

/// log'(a) = 1 / a.
template <>
struct derivative_rule<log_fn> {
    static constexpr auto local(auto a, auto) { return simplify::div(one_expr{}, a); }
};

/// σ'(a) = σ(a) · (1 − σ(a)): the forward value, no second exponential.
template <>
struct derivative_rule<sigmoid_fn> {
    static constexpr auto local(auto, auto self) { return simplify::mul(self, simplify::sub(one_expr{}, self)); }
};

/// tanh' = 1 − tanh²: the forward value again.
template <>
struct derivative_rule<tanh_fn> {
    static constexpr auto local(auto, auto self) { return simplify::sub(one_expr{}, simplify::pow<2>(self)); }
};

/// relu'(a) = heaviside(a), 0 at a = 0 as in PyTorch.
template <>
struct derivative_rule<relu_fn> {
    static constexpr auto local(auto a, auto) { return make_call<heaviside_fn>(a); }
};

/// heaviside' = 0 (almost everywhere; PyTorch's convention for the relu mask).
template <>
struct derivative_rule<heaviside_fn> {
    static constexpr auto local(auto, auto) { return zero_expr{}; }
};

/// softplus'(a) = σ(a).
template <>
struct derivative_rule<softplus_fn> {
    static constexpr auto local(auto a, auto) { return make_call<sigmoid_fn>(a); }
};

/// bce(o, t): ∂/∂o = (o − t) / (o (1 − o)), written over the sigmoid's own o (1 − o) so that
/// after a sigmoid the simplifier cancels it; ∂/∂t = log(1 − o) − log(o).
template <>
struct derivative_rule<bce_fn> {
    static constexpr auto partial(std::integral_constant<int, 0>, auto o, auto t, auto) {
        return simplify::div(simplify::sub(o, t), simplify::mul(o, simplify::sub(one_expr{}, o)));
    }
    static constexpr auto partial(std::integral_constant<int, 1>, auto o, auto, auto) {
        return simplify::sub(make_call<log_fn>(simplify::sub(one_expr{}, o)), make_call<log_fn>(o));
    }
};

/// (a^N)' = N · a^(N−1).
template <int N>
struct derivative_rule<pow_fn<N>> {
    static constexpr auto local(auto a, auto) { return simplify::mul(constant_expr<N>{}, simplify::pow<N - 1>(a)); }
};

}  // namespace ctgrad
