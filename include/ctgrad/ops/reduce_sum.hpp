#pragma once
/// \file
/// `sum(a)` and `sum_over(a, axes...)` (the tag `reduce_sum_fn<Over>`): shape rule,
/// derivative, printing and reference evaluation (the tables of ops/tables.hpp).

#include <type_traits>

#include "ctgrad/detail/node_traits.hpp"
#include "ctgrad/diff/simplify.hpp"
#include "ctgrad/expr/shape.hpp"
#include "ctgrad/ops/tables.hpp"

namespace ctgrad {

/// Sum of all elements: a scalar (`a.sum()`).
template <Expression A>
constexpr auto sum(const A& a) {
    return make_call<reduce_sum_fn<shape_of_t<A>>>(a);
}
/// Sum over some axes only, keeping the others: `sum_over(e, batch)`.
template <Expression A, class... Over>
constexpr auto sum_over(const A& a, Over...) {
    static_assert((detail::contains_v<Over, shape_of_t<A>> && ...),
                  "ctgrad: sum_over: the expression has no such axis");
    return make_call<reduce_sum_fn<axes<Over...>>>(a);
}

template <class Over>
struct shape_impl<reduce_sum_fn<Over>> : detail::reduction_shape<Over> {};

/// The seed, broadcast back over the summed axes. Used broadcast over more axes (in
/// z − logsumexp(z)), its own seed is first summed over those.
template <class Over>
struct derivative_impl<reduce_sum_fn<Over>> {
    template <class Ctx, class E, class S, class V>
    static constexpr auto apply(const E& e, const S& seed, const V& v) {
        auto own = simplify::reduce_sum<axes_minus_t<Ctx, shape_of_t<E>>>(seed);
        auto a = detail::child<1>(e);
        return detail::backprop<shape_of_t<decltype(a)>>(a, own, v);
    }
};

/// `sum(a)`, `sum_k(a)`; per sample, the batch's sum is implicit and other axes are `sum_k a`.
template <class Over>
struct print_impl<reduce_sum_fn<Over>> {
    using shown = axes_minus_t<Over, axes<batch_axis>>;
    template <class P, class E>
    static constexpr int precedence() {
        if constexpr (!P::per_sample)
            return P::p_atom;
        else if constexpr (shown::rank == 0)
            return P::template precedence<detail::child_t<1, E>>();
        else
            return P::p_sum;
    }
    template <class P, class E, class Buffer>
    static constexpr void print(Buffer& b) {
        using A = detail::child_t<1, E>;
        if constexpr (P::per_sample) {
            if constexpr (shown::rank == 0) {
                P::template print<A>(b);
            } else {
                b.append(P::latex ? "\\sum_{" : "sum_");
                P::axis_names(b, shown{});
                b.append(P::latex ? "} " : " ");
                P::template print_at<A>(b, P::p_product);
            }
        } else {
            if constexpr (std::is_same_v<Over, shape_of_t<A>>) {
                b.append(P::latex ? "\\sum" : "sum");
            } else {
                b.append(P::latex ? "\\sum_{" : "sum_");
                P::axis_names(b, Over{});
                if (P::latex)
                    b.append('}');
            }
            P::open(b);
            P::template print<A>(b);
            P::close(b);
        }
    }
};

/// The sum onto the remaining axes; an axis of Over the argument lacks is broadcast, so summing
/// over it multiplies by its extent.
template <class Over>
struct reference_impl<reduce_sum_fn<Over>> {
    template <class E, class Ev>
    static auto apply(const E& e, const Ev& ev) {
        using A = shape_of_t<detail::child_t<1, E>>;
        auto r = ev.template sum_onto<shape_of_t<E>, A>(ev.eval(detail::child<1>(e)));
        const double broadcast = static_cast<double>(ev.count(axes_minus_t<Over, A>{}));
        for (auto& x : r.values)
            x *= broadcast;
        return r;
    }
};

}  // namespace ctgrad
