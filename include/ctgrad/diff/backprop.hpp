#pragma once
/// \file
/// Reverse-mode symbolic differentiation: `backprop<Ctx>(e, seed, v)` is the contribution of
/// subexpression e to ∂L/∂v when ∂L/∂e is `seed`. The chain, product and quotient rules are
/// written once per kind of operator node; a call node takes its operation's `derivative_impl`
/// (ops/tables.hpp, one header per operation), elementwise functions their f' from diff/rules.hpp.
/// Every result is built with the simplifying constructors, so it is already canonical.
///
/// `Ctx` is the shape over which e is used by its parent (e broadcast over it): at a variable,
/// the seed is summed over the axes of Ctx the variable lacks (a bias b[k] used over
/// [batch, k] gets the sum over the batch).

#include <type_traits>

#include "ctgrad/diff/rules.hpp"
#include "ctgrad/diff/simplify.hpp"
#include "ctgrad/diff/traits.hpp"
#include "ctgrad/expr/shape.hpp"
#include "ctgrad/expr/operations.hpp"  // every operation's table entries, wherever the walker is
#include "ctgrad/ops/tables.hpp"

namespace ctgrad::detail {

template <class Ctx, class E, class S, class V>
constexpr auto backprop(const E& e, const S& seed, const V& v) {
    namespace s = simplify;
    if constexpr (!depends_on_v<E, V>) {
        return zero_expr{};
    } else if constexpr (is_kind_v<E, expr_kind::terminal>) {
        return s::reduce_sum<axes_minus_t<Ctx, shape_of_t<V>>>(seed);
    } else if constexpr (is_kind_v<E, expr_kind::plus>) {
        return s::add(backprop<Ctx>(child<0>(e), seed, v), backprop<Ctx>(child<1>(e), seed, v));
    } else if constexpr (is_kind_v<E, expr_kind::minus>) {
        return s::add(backprop<Ctx>(child<0>(e), seed, v), backprop<Ctx>(child<1>(e), s::neg(seed), v));
    } else if constexpr (is_kind_v<E, expr_kind::negate>) {
        return backprop<Ctx>(child<0>(e), s::neg(seed), v);
    } else if constexpr (is_kind_v<E, expr_kind::multiplies>) {
        auto a = child<0>(e);
        auto b = child<1>(e);
        return s::add(backprop<Ctx>(a, s::mul(seed, b), v), backprop<Ctx>(b, s::mul(seed, a), v));
    } else if constexpr (is_kind_v<E, expr_kind::divides>) {
        auto a = child<0>(e);
        auto b = child<1>(e);
        return s::add(backprop<Ctx>(a, s::div(seed, b), v),
                      backprop<Ctx>(b, s::neg(s::div(s::mul(seed, a), s::pow<2>(b))), v));
    } else if constexpr (is_kind_v<E, expr_kind::call>) {
        return derivative_impl<call_fn_t<E>>::template apply<Ctx>(e, seed, v);
    } else {
        static_assert(always_false_v<E>, "ctgrad: no derivative rule for this kind of expression");
    }
}

}  // namespace ctgrad::detail

namespace ctgrad {

/// An elementwise function: the chain rule with f' from its `derivative_rule` (diff/rules.hpp).
template <class Fn>
struct derivative_impl<Fn, hana::when<detail::ElementwiseFunction<Fn>>> {
    template <class Ctx, class E, class S, class V>
    static constexpr auto apply(const E& e, const S& seed, const V& v) {
        using detail::backprop;
        using detail::child;
        auto a = child<1>(e);
        if constexpr (detail::arity_v<E> == 1) {
            return backprop<Ctx>(a, simplify::mul(seed, derivative_rule<Fn>::local(a, e)), v);
        } else {
            auto b = child<2>(e);
            using I0 = std::integral_constant<int, 0>;
            using I1 = std::integral_constant<int, 1>;
            return simplify::add(backprop<Ctx>(a, simplify::mul(seed, derivative_rule<Fn>::partial(I0{}, a, b, e)), v),
                                 backprop<Ctx>(b, simplify::mul(seed, derivative_rule<Fn>::partial(I1{}, a, b, e)), v));
        }
    }
};

}  // namespace ctgrad
