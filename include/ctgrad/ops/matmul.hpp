#pragma once
/// \file
/// `matmul(a, b)`, the matrix product [p, q] x [q, r] -> [p, r]: its shape rule, derivative,
/// printing and reference evaluation (the tables of ops/tables.hpp).

#include <cstddef>
#include <type_traits>

#include "ctgrad/detail/node_traits.hpp"
#include "ctgrad/diff/simplify.hpp"
#include "ctgrad/expr/shape.hpp"
#include "ctgrad/ops/tables.hpp"

namespace ctgrad {

/// Matrix product [p, q] x [q, r] -> [p, r] (`a @ b`). The lecture's `x @ w.t()` is
/// `matmul(x, transpose(w))`.
template <Expression A, Expression B>
constexpr auto matmul(const A& a, const B& b) {
    auto n = make_call<matmul_fn>(a, b);
    (void)shape_of_t<decltype(n)>{};
    return n;
}

template <>
struct shape_impl<matmul_fn> {
    template <class L, class R>
    struct apply {
        static_assert(L::rank == 2 && R::rank == 2,
                      "ctgrad: matmul takes two matrices ([p, q] x [q, r]); use transpose(w) for x @ w.t()");
    };
    template <class P, class Q1, class Q2, class R>
    struct apply<axes<P, Q1>, axes<Q2, R>> {
        static_assert(detail::same_name_v<Q1, Q2>,
                      "ctgrad: matmul inner axes differ: the last axis of the left operand must be the "
                      "first axis of the right one (for x[batch, n] @ w.t() declare w as [k, n])");
        static_assert(std::is_same_v<Q1, Q2>,
                      "ctgrad: matmul inner dimensions differ: the shared axis has two different static extents");
        using type = axes<P, R>;
    };
};

/// seed·Bᵀ to A, Aᵀ·seed to B.
template <>
struct derivative_impl<matmul_fn> {
    template <class Ctx, class E, class S, class V>
    static constexpr auto apply(const E& e, const S& seed, const V& v) {
        static_assert(detail::same_set_v<Ctx, shape_of_t<E>>,
                      "ctgrad: a matrix product broadcast against further axes cannot be differentiated");
        auto a = detail::child<1>(e);
        auto b = detail::child<2>(e);
        return simplify::add(
            detail::backprop<shape_of_t<decltype(a)>>(a, simplify::matmul(seed, simplify::transpose(b)), v),
            detail::backprop<shape_of_t<decltype(b)>>(b, simplify::matmul(simplify::transpose(a), seed), v));
    }
};

/// `a @ b` on arrays; per sample, a product over the batch is the product of its elements
/// (`O_k x_j`), any other one a sum over the shared index.
template <>
struct print_impl<matmul_fn> {
    template <class P, class E>
    static constexpr bool implicit_contraction() {
        if constexpr (!P::per_sample)
            return false;
        else
            return std::is_same_v<detail::shape_traits::last_axis_t<shape_of_t<detail::child_t<1, E>>>, batch_axis>;
    }
    template <class P, class E>
    static constexpr int precedence() {
        return implicit_contraction<P, E>() ? P::p_product : (P::per_sample ? P::p_sum : P::p_product);
    }
    template <class P, class E, class Buffer>
    static constexpr void print(Buffer& b) {
        using A = detail::child_t<1, E>;
        using R = detail::child_t<2, E>;
        if constexpr (implicit_contraction<P, E>()) {
            factors<P, E>(b, true);
        } else if constexpr (P::per_sample) {
            b.append(P::latex ? "\\sum_{" : "sum_");
            b.append(detail::shape_traits::last_axis_t<shape_of_t<A>>::name.view());
            b.append(P::latex ? "} " : " ");
            P::template print_factors<A>(b, true);
            P::template print_factors<R>(b, false);
        } else {
            P::template print_at<A>(b, P::p_product);
            b.append(P::latex ? " " : " @ ");
            P::template print_at<R>(b, P::p_power);
        }
    }
    /// Among juxtaposed factors: its operands' factors, or itself as one factor.
    template <class P, class E, class Buffer>
    static constexpr void factors(Buffer& b, bool first) {
        if constexpr (implicit_contraction<P, E>()) {
            P::template print_factors<detail::child_t<1, E>>(b, first);
            P::template print_factors<detail::child_t<2, E>>(b, false);
        } else {
            if (!first)
                b.append(' ');
            P::template print_at<E>(b, P::p_product + 1);
        }
    }
};

template <>
struct reference_impl<matmul_fn> {
    template <class E, class Ev>
    static auto apply(const E& e, const Ev& ev) {
        const auto ta = ev.eval(detail::child<1>(e));
        const auto tb = ev.eval(detail::child<2>(e));
        auto r = ev.template make<shape_of_t<E>>();
        const std::size_t p = ta.extents[0], q = ta.extents[1], n = tb.extents[1];
        for (std::size_t i = 0; i < p; ++i)
            for (std::size_t k = 0; k < q; ++k)
                for (std::size_t j = 0; j < n; ++j)
                    r.values[i * n + j] += ta.values[i * q + k] * tb.values[k * n + j];
        return r;
    }
};

}  // namespace ctgrad
