#pragma once
/// \file
/// Shape inference: the named axes of every expression, computed at compile time, with the
/// shape errors a user can make reported in their terms.

#include <type_traits>

#include "ctgrad/expr/axis.hpp"
#include "ctgrad/expr/functions.hpp"
#include "ctgrad/expr/leaves.hpp"
#include "ctgrad/expr/node.hpp"

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

template <ElementwiseFunction Fn, class A>
struct shape_of<call<Fn, A>> {
    using type = node_shape_t<A>;
};
template <ElementwiseFunction Fn, class A, class B>
struct shape_of<call<Fn, A, B>> {
    using type = typename checked_broadcast<node_shape_t<A>, node_shape_t<B>>::type;
};

template <class L, class R>
struct matmul_shape {
    static_assert(L::rank == 2 && R::rank == 2,
                  "ctgrad: matmul takes two matrices ([p, q] x [q, r]); use transpose(w) for x @ w.t()");
};
template <class P, class Q1, class Q2, class R>
struct matmul_shape<axes<P, Q1>, axes<Q2, R>> {
    static_assert(same_name_v<Q1, Q2>,
                  "ctgrad: matmul inner axes differ: the last axis of the left operand must be the "
                  "first axis of the right one (for x[batch, n] @ w.t() declare w as [k, n])");
    static_assert(std::is_same_v<Q1, Q2>,
                  "ctgrad: matmul inner dimensions differ: the shared axis has two different static extents");
    using type = axes<P, R>;
};
template <class A, class B>
struct shape_of<call<matmul_fn, A, B>> {
    using type = typename matmul_shape<node_shape_t<A>, node_shape_t<B>>::type;
};

template <class S>
struct transpose_shape {
    static_assert(S::rank == 2, "ctgrad: transpose takes a matrix (two axes)");
};
template <class P, class Q>
struct transpose_shape<axes<P, Q>> {
    using type = axes<Q, P>;
};
template <class A>
struct shape_of<call<transpose_fn, A>> {
    using type = typename transpose_shape<node_shape_t<A>>::type;
};

template <class Over, class A>
struct shape_of<call<reduce_sum_fn<Over>, A>> {
    using type = axes_minus_t<node_shape_t<A>, Over>;
};
template <class Over, class A>
struct shape_of<call<reduce_mean_fn<Over>, A>> {
    using type = axes_minus_t<node_shape_t<A>, Over>;
};

template <class Over, class A>
struct shape_of<call<logsumexp_fn<Over>, A>> {
    using type = axes_minus_t<node_shape_t<A>, Over>;
};
template <class Classes, class A>
struct shape_of<call<one_hot_fn<Classes>, A>> {
    static_assert(!contains_v<Classes, node_shape_t<A>>, "ctgrad: one_hot(y, k): y already has the axis k");
    using type = broadcast_t<node_shape_t<A>, axes<Classes>>;
};

}  // namespace detail

/// The named axes of expression E, e.g. `axes<batch_axis, axis<"k", 2>>`.
template <class E>
using shape_of_t = detail::node_shape_t<E>;

/// The rank (number of axes) of expression E; 0 for a scalar such as a loss.
template <class E>
inline constexpr std::size_t rank_v = shape_of_t<E>::rank;

}  // namespace ctgrad
