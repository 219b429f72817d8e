#pragma once
/// \file
/// `mean(a)` (the tag `reduce_mean_fn<Over>`): shape rule, derivative, printing and reference
/// evaluation (the tables of ops/tables.hpp).

#include "ctgrad/detail/node_traits.hpp"
#include "ctgrad/diff/simplify.hpp"
#include "ctgrad/expr/shape.hpp"
#include "ctgrad/ops/tables.hpp"

namespace ctgrad {

/// Mean of all elements: a scalar (`a.mean()`).
template <Expression A>
constexpr auto mean(const A& a) {
    return make_call<reduce_mean_fn<shape_of_t<A>>>(a);
}

template <class Over>
struct shape_impl<reduce_mean_fn<Over>> : detail::reduction_shape<Over> {};

/// The seed times 1/size (known once data is bound), broadcast back over the averaged axes.
template <class Over>
struct derivative_impl<reduce_mean_fn<Over>> {
    template <class Ctx, class E, class S, class V>
    static constexpr auto apply(const E& e, const S& seed, const V& v) {
        auto own = simplify::reduce_sum<axes_minus_t<Ctx, shape_of_t<E>>>(seed);
        auto a = detail::child<1>(e);
        return detail::backprop<shape_of_t<decltype(a)>>(a, simplify::mul(own, make_terminal<inverse_size<Over>>()),
                                                          v);
    }
};

/// `mean(a)`.
template <class Over>
struct print_impl<reduce_mean_fn<Over>> {
    template <class P, class E>
    static constexpr int precedence() {
        return P::p_atom;
    }
    template <class P, class E, class Buffer>
    static constexpr void print(Buffer& b) {
        b.append(P::latex ? "\\operatorname{mean}" : "mean");
        P::open(b);
        P::template print<detail::child_t<1, E>>(b);
        P::close(b);
    }
};

/// The sum onto the remaining axes over the size of Over (an axis of Over the argument lacks
/// counts as broadcast: it adds copies and size alike).
template <class Over>
struct reference_impl<reduce_mean_fn<Over>> {
    template <class E, class Ev>
    static auto apply(const E& e, const Ev& ev) {
        using A = shape_of_t<detail::child_t<1, E>>;
        auto r = ev.template sum_onto<shape_of_t<E>, A>(ev.eval(detail::child<1>(e)));
        const double scale =
            static_cast<double>(ev.count(axes_minus_t<Over, A>{})) / static_cast<double>(ev.count(Over{}));
        for (auto& x : r.values)
            x *= scale;
        return r;
    }
};

}  // namespace ctgrad
