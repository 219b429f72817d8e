#pragma once
/// \file
/// Reverse-mode symbolic differentiation: `backprop<Ctx>(e, seed, v)` is the contribution of
/// subexpression e to ∂L/∂v when ∂L/∂e is `seed`. The chain, product and quotient rules are
/// written once per kind of node; elementwise functions take their f' from diff/rules.hpp.
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

namespace ctgrad::detail {

template <class Fn>
inline constexpr bool is_one_hot_v = false;
template <class C>
inline constexpr bool is_one_hot_v<one_hot_fn<C>> = true;
template <class Fn>
inline constexpr bool is_logsumexp_v = false;
template <class O>
inline constexpr bool is_logsumexp_v<logsumexp_fn<O>> = true;

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
        using Fn = call_fn_t<E>;
        if constexpr (ElementwiseFunction<Fn> && arity_v<E> == 1) {
            auto a = child<1>(e);
            return backprop<Ctx>(a, s::mul(seed, derivative_rule<Fn>::local(a, e)), v);
        } else if constexpr (ElementwiseFunction<Fn>) {
            auto a = child<1>(e);
            auto b = child<2>(e);
            using I0 = std::integral_constant<int, 0>;
            using I1 = std::integral_constant<int, 1>;
            return s::add(backprop<Ctx>(a, s::mul(seed, derivative_rule<Fn>::partial(I0{}, a, b, e)), v),
                          backprop<Ctx>(b, s::mul(seed, derivative_rule<Fn>::partial(I1{}, a, b, e)), v));
        } else if constexpr (std::is_same_v<Fn, matmul_fn>) {
            static_assert(same_set_v<Ctx, shape_of_t<E>>,
                          "ctgrad: a matrix product broadcast against further axes cannot be differentiated");
            auto a = child<1>(e);
            auto b = child<2>(e);
            return s::add(backprop<shape_of_t<decltype(a)>>(a, s::matmul(seed, s::transpose(b)), v),
                          backprop<shape_of_t<decltype(b)>>(b, s::matmul(s::transpose(a), seed), v));
        } else if constexpr (std::is_same_v<Fn, transpose_fn>) {
            auto a = child<1>(e);
            return backprop<shape_of_t<decltype(a)>>(a, s::transpose(seed), v);
        } else if constexpr (is_one_hot_v<Fn>) {
            return zero_expr{};  // class indices are labels: no gradient flows into them (as PyTorch)
        } else {
            // logsumexp and reductions. Used broadcast over more axes (z − logsumexp(z) in a
            // softmax), their own seed is the seed summed over those axes.
            auto own = s::reduce_sum<axes_minus_t<Ctx, shape_of_t<E>>>(seed);
            auto a = child<1>(e);
            using A = shape_of_t<decltype(a)>;
            if constexpr (is_logsumexp_v<Fn>) {
                // ∂ logsumexp(a) / ∂a = softmax(a) = exp(a − logsumexp(a)): the forward value, reused.
                return backprop<A>(a, s::mul(own, make_call<exp_fn>(s::sub(a, e))), v);
            } else if constexpr (std::is_same_v<Fn, reduce_sum_fn<typename Fn::over>>) {
                return backprop<A>(a, own, v);
            } else {
                return backprop<A>(a, s::mul(own, make_terminal<inverse_size<typename Fn::over>>()), v);
            }
        }
    } else {
        static_assert(always_false_v<E>, "ctgrad: no derivative rule for this kind of expression");
    }
}

}  // namespace ctgrad::detail
