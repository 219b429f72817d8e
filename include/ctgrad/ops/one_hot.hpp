#pragma once
/// \file
/// `one_hot(y, classes)` (the tag `one_hot_fn<Classes>`): shape rule, derivative, printing
/// and reference evaluation (the tables of ops/tables.hpp).

#include <cstddef>

#include "ctgrad/detail/errors.hpp"
#include "ctgrad/detail/node_traits.hpp"
#include "ctgrad/expr/leaves.hpp"
#include "ctgrad/expr/shape.hpp"
#include "ctgrad/api/status.hpp"
#include "ctgrad/ops/tables.hpp"

namespace ctgrad {

/// One-hot encoding of class indices (`F.one_hot(y, K)`): y holds the integers 0..K-1 as
/// float or double; the result has y's axes and `classes`. An index outside 0..K-1 is an
/// evaluation error (errc::class_index), as in PyTorch.
template <Expression Y, class Classes>
constexpr auto one_hot(const Y& y, Classes) {
    static_assert(Variable<Y>, "ctgrad: one_hot(y, k): y must be a variable holding class indices (an input<>())");
    return make_call<one_hot_fn<Classes>>(y);
}

template <class Classes>
struct shape_impl<one_hot_fn<Classes>> {
    template <class A>
    struct apply {
        static_assert(!detail::contains_v<Classes, A>, "ctgrad: one_hot(y, k): y already has the axis k");
        using type = broadcast_t<A, axes<Classes>>;
    };
};

/// Zero: class indices are labels, no gradient flows into them (as PyTorch).
template <class Classes>
struct derivative_impl<one_hot_fn<Classes>> {
    template <class Ctx, class E, class S, class V>
    static constexpr auto apply(const E&, const S&, const V&) {
        return zero_expr{};
    }
};

// Printing: by the tag's text_name and latex_name, as a function (print/printer.hpp).

/// 1 at each sample's class; an index that is not an integer 0..K-1 (NaN, a fraction, a
/// negative) is an evaluation error naming the sample.
template <class Classes>
struct reference_impl<one_hot_fn<Classes>> {
    template <class E, class Ev>
    static auto apply(const E& e, const Ev& ev) {
        using Y = detail::child_t<1, E>;
        const auto ty = ev.eval(detail::child<1>(e));
        const std::size_t K = ev.template extent<Classes>();
        auto r = ev.template make<shape_of_t<E>>();
        // y's axes then the class axis, or the class axis alone when y is a scalar.
        for (std::size_t i = 0; i < ty.values.size(); ++i) {
            const double v = ty.values[i];
            if (!(v >= 0 && v < static_cast<double>(K) && v == static_cast<double>(static_cast<std::size_t>(v))))
                detail::throw_or_abort<evaluation_error>(
                    status{errc::class_index, leaf_t<Y>::name.view(), Classes::name.view(), K, i});
            r.values[i * K + static_cast<std::size_t>(v)] = 1.0;
        }
        return r;
    }
};

}  // namespace ctgrad
