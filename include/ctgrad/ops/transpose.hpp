#pragma once
/// \file
/// `transpose(a)`, the two axes of a matrix swapped: its shape rule, derivative, printing and
/// reference evaluation (the tables of ops/tables.hpp).

#include <cstddef>

#include "ctgrad/detail/node_traits.hpp"
#include "ctgrad/diff/simplify.hpp"
#include "ctgrad/expr/shape.hpp"
#include "ctgrad/ops/tables.hpp"

namespace ctgrad {

/// The transpose of a matrix (`w.t()`).
template <Expression A>
constexpr auto transpose(const A& a) {
    auto n = make_call<transpose_fn>(a);
    (void)shape_of_t<decltype(n)>{};
    return n;
}

template <>
struct shape_impl<transpose_fn> {
    template <class S>
    struct apply {
        static_assert(S::rank == 2, "ctgrad: transpose takes a matrix (two axes)");
    };
    template <class P, class Q>
    struct apply<axes<P, Q>> {
        using type = axes<Q, P>;
    };
};

/// seedᵀ to the argument.
template <>
struct derivative_impl<transpose_fn> {
    template <class Ctx, class E, class S, class V>
    static constexpr auto apply(const E& e, const S& seed, const V& v) {
        auto a = detail::child<1>(e);
        return detail::backprop<shape_of_t<decltype(a)>>(a, simplify::transpose(seed), v);
    }
};

/// `a^T` on arrays; per sample, indices say which element is meant: just `a`.
template <>
struct print_impl<transpose_fn> {
    template <class P, class E>
    static constexpr int precedence() {
        if constexpr (P::per_sample)
            return P::template precedence<detail::child_t<1, E>>();
        else
            return P::p_power;
    }
    template <class P, class E, class Buffer>
    static constexpr void print(Buffer& b) {
        using A = detail::child_t<1, E>;
        if constexpr (P::per_sample) {
            P::template print<A>(b);
        } else {
            P::template print_at<A>(b, P::p_atom);
            b.append(P::latex ? "^{\\top}" : "^T");
        }
    }
    template <class P, class E, class Buffer>
    static constexpr void factors(Buffer& b, bool first) {
        if constexpr (P::per_sample)
            P::template print_factors<detail::child_t<1, E>>(b, first);
        else
            P::template print_one_factor<E>(b, first);
    }
};

template <>
struct reference_impl<transpose_fn> {
    template <class E, class Ev>
    static auto apply(const E& e, const Ev& ev) {
        const auto ta = ev.eval(detail::child<1>(e));
        auto r = ev.template make<shape_of_t<E>>();
        for (std::size_t i = 0; i < ta.extents[0]; ++i)
            for (std::size_t j = 0; j < ta.extents[1]; ++j)
                r.values[j * ta.extents[0] + i] = ta.values[i * ta.extents[1] + j];
        return r;
    }
};

}  // namespace ctgrad
