#pragma once
/// \file
/// `argmax(a, axis)` (the tag `argmax_fn<Over>`): the index of the largest element along an
/// axis, as `torch.argmax(a, dim)`; shape rule, derivative (none), printing and reference
/// evaluation (the tables of ops/tables.hpp). The executor evaluates it per row
/// (lower/plan.hpp, barrier_kind::row_argmax): `value(argmax(z, k))` is a model's predicted
/// class, written into an integer buffer or one of the data's type (api/forward.hpp).

#include <cmath>
#include <cstddef>
#include <type_traits>

#include "ctgrad/detail/node_traits.hpp"
#include "ctgrad/expr/leaves.hpp"
#include "ctgrad/expr/shape.hpp"
#include "ctgrad/ops/tables.hpp"

namespace ctgrad {

/// The index of the largest element along the axes `Over` (one axis, the last of the argument).
template <class Over>
struct argmax_fn {
    static constexpr bool elementwise = false;
    using over = Over;
    static constexpr const char* text_name = "argmax";
    static constexpr const char* latex_name = "\\operatorname{argmax}";
};

/// The position of the largest element of `a` along `axis` (`torch.argmax(a, dim)`): the
/// first one on ties, the first NaN if there is one (a NaN counts as the largest, as in
/// PyTorch). The axis is removed from the shape; the indices 0, 1, ... are values of the
/// expression's element type, as the class indices of `one_hot` are. Not differentiable: for
/// predictions (`value(argmax(z, k))`), not inside a loss.
template <Expression A, class Axis>
constexpr auto argmax(const A& a, Axis) {
    using S = shape_of_t<A>;
    static_assert(detail::contains_v<Axis, S>, "ctgrad: argmax(a, axis): a has no such axis");
    static_assert(std::is_same_v<detail::shape_traits::last_axis_t<S>, Axis>,
                  "ctgrad: argmax(a, axis): the axis must be the last axis of a (a's rows are [batch, k]: argmax "
                  "over k)");
    return make_call<argmax_fn<axes<Axis>>>(a);
}

template <class Over>
struct shape_impl<argmax_fn<Over>> : detail::reduction_shape<Over> {};

/// None: an index is piecewise constant, and PyTorch's argmax has no gradient either. Reached
/// only when the variable differentiated for occurs inside the argmax.
template <class Over>
struct derivative_impl<argmax_fn<Over>> {
    template <class Ctx, class E, class S, class V>
    static constexpr auto apply(const E&, const S&, const V&) {
        static_assert(detail::always_false_v<E>,
                      "ctgrad: argmax has no derivative: use it for predictions, value(argmax(z, k)), not in a "
                      "loss");
        return zero_expr{};
    }
};

// Printing: by the tag's text_name and latex_name, as a function (print/printer.hpp).

/// The first largest element of each row along the last axis, a NaN the largest.
template <class Over>
struct reference_impl<argmax_fn<Over>> {
    template <class E, class Ev>
    static auto apply(const E& e, const Ev& ev) {
        const auto ta = ev.eval(detail::child<1>(e));
        auto r = ev.template make<shape_of_t<E>>();
        const std::size_t K = ta.extents.back();
        for (std::size_t i = 0; i < r.values.size(); ++i) {
            const double* row = ta.values.data() + i * K;
            std::size_t best = 0;
            for (std::size_t c = 1; c < K && !std::isnan(row[best]); ++c)
                if (row[c] > row[best] || std::isnan(row[c]))
                    best = c;
            r.values[i] = static_cast<double>(best);
        }
        return r;
    }
};

}  // namespace ctgrad
