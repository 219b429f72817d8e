#pragma once
/// \file
/// `logsumexp(a, axis)` (the tag `logsumexp_fn<Over>`): shape rule, derivative, printing and
/// reference evaluation (the tables of ops/tables.hpp).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <type_traits>

#include "ctgrad/detail/node_traits.hpp"
#include "ctgrad/diff/simplify.hpp"
#include "ctgrad/expr/shape.hpp"
#include "ctgrad/ops/tables.hpp"

namespace ctgrad {

/// log Σ_axis exp(a), stably (`torch.logsumexp(a, dim)`): the axis is removed from the shape.
template <Expression A, class Axis>
constexpr auto logsumexp(const A& a, Axis) {
    static_assert(detail::contains_v<Axis, shape_of_t<A>>, "ctgrad: logsumexp(a, axis): a has no such axis");
    return make_call<logsumexp_fn<axes<Axis>>>(a);
}

template <class Over>
struct shape_impl<logsumexp_fn<Over>> : detail::reduction_shape<Over> {};

/// ∂ logsumexp(a) / ∂a = softmax(a) = exp(a − logsumexp(a)): the forward value, reused. Used
/// broadcast (z − logsumexp(z)), its own seed is first summed over the broadcast axes.
template <class Over>
struct derivative_impl<logsumexp_fn<Over>> {
    template <class Ctx, class E, class S, class V>
    static constexpr auto apply(const E& e, const S& seed, const V& v) {
        auto own = simplify::reduce_sum<axes_minus_t<Ctx, shape_of_t<E>>>(seed);
        auto a = detail::child<1>(e);
        return detail::backprop<shape_of_t<decltype(a)>>(
            a, simplify::mul(own, make_call<exp_fn>(simplify::sub(a, e))), v);
    }
};

// Printing: by the tag's text_name and latex_name, as a function (print/printer.hpp).

/// max + log Σ exp(a − max) along the last axis; −∞ for a row of −∞.
template <class Over>
struct reference_impl<logsumexp_fn<Over>> {
    template <class E, class Ev>
    static auto apply(const E& e, const Ev& ev) {
        using A = shape_of_t<detail::child_t<1, E>>;
        static_assert(std::is_same_v<axes<detail::shape_traits::last_axis_t<A>>, Over>,
                      "ctgrad::reference: logsumexp over the last axis of its argument");
        const auto ta = ev.eval(detail::child<1>(e));
        auto r = ev.template make<shape_of_t<E>>();
        const std::size_t K = ta.extents.back();
        for (std::size_t i = 0; i < r.values.size(); ++i) {
            const double* row = ta.values.data() + i * K;
            double m = -std::numeric_limits<double>::infinity();
            for (std::size_t c = 0; c < K; ++c)
                m = std::max(m, row[c]);
            double total = 0;
            for (std::size_t c = 0; c < K; ++c)
                total += std::exp(row[c] - m);
            r.values[i] = std::isinf(m) ? m : m + std::log(total);
        }
        return r;
    }
};

}  // namespace ctgrad
