#pragma once
/// \file
/// Shape inference: the named axes of every expression, computed at compile time, with the
/// shape errors a user can make reported in their terms. Operators broadcast here; a call
/// node takes its operation's `shape_impl` (ops/tables.hpp; one header per operation).

#include <type_traits>

#include "ctgrad/expr/axis.hpp"
#include "ctgrad/expr/functions.hpp"
#include "ctgrad/expr/leaves.hpp"
#include "ctgrad/expr/node.hpp"
#include "ctgrad/ops/tables.hpp"

namespace ctgrad {

namespace detail {

template <class E>
struct shape_of;

template <class E>
using node_shape_t = typename shape_of<std::remove_cvref_t<E>>::type;

template <class Leaf>
struct leaf_shape {
    using type = axes<>;  // constants and inverse sizes are scalars
};
template <fixed_string N, role R, class... A>
struct leaf_shape<variable<N, R, A...>> {
    using type = axes<A...>;
};

template <class Leaf>
struct shape_of<terminal<Leaf>> {
    using type = typename leaf_shape<Leaf>::type;
};

template <class L, class R>
struct checked_broadcast {
    static_assert(all_compatible<L, R>::value,
                  "ctgrad: shape mismatch: the two operands have an axis of the same name with "
                  "different extents (for example an output with k = 2 against a target with k = 3)");
    using type = broadcast_t<L, R>;
};

template <expr_kind K, class A, class B>
struct shape_of<node<K, A, B>> {
    using type = typename checked_broadcast<node_shape_t<A>, node_shape_t<B>>::type;
};
template <class A>
struct shape_of<node<expr_kind::negate, A>> {
    using type = node_shape_t<A>;
};

/// A call node's shape is its operation's shape rule (ops/tables.hpp), applied to the
/// shapes of its arguments.
template <class Fn, class A>
struct shape_of<call<Fn, A>> {
    using type = typename shape_impl<Fn>::template apply<node_shape_t<A>>::type;
};
template <class Fn, class A, class B>
struct shape_of<call<Fn, A, B>> {
    using type = typename shape_impl<Fn>::template apply<node_shape_t<A>, node_shape_t<B>>::type;
};

/// The shape rule of a reduction over the axes Over: those axes removed.
template <class Over>
struct reduction_shape {
    template <class A>
    struct apply {
        using type = axes_minus_t<A, Over>;
    };
};

}  // namespace detail

/// An elementwise function keeps its argument's shape, or broadcasts its two arguments'.
template <class Fn>
struct shape_impl<Fn, hana::when<detail::ElementwiseFunction<Fn>>> {
    template <class... S>
    struct apply;
    template <class S>
    struct apply<S> {
        using type = S;
    };
    template <class L, class R>
    struct apply<L, R> : detail::checked_broadcast<L, R> {};
};

/// The named axes of expression E, e.g. `axes<batch_axis, axis<"k", 2>>`.
template <class E>
using shape_of_t = detail::node_shape_t<E>;

/// The rank (number of axes) of expression E; 0 for a scalar such as a loss.
template <class E>
inline constexpr std::size_t rank_v = shape_of_t<E>::rank;

}  // namespace ctgrad
