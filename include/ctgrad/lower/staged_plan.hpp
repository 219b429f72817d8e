#pragma once
/// \file
/// The plan of the staged pass, for losses the single-grid fused pass cannot sweep in one
/// loop: layers (a matrix product whose left operand is computed, `matmul(h, transpose(w2))`),
/// the backward products that chain them (`matmul(G, w2)`), per-row reductions (the
/// `logsumexp` and the `sum_over(…, k)` of a cross-entropy) and one-hot encodings.
///
/// Those nodes are *barriers*: each needs whole rows of its input before it can produce a
/// value. Every other node is elementwise. The pass still sweeps the batch in tiles of rows,
/// forward and backward in one visit of each tile; inside a tile it runs in *levels*:
///
///     level(terminal) = 0,  level(elementwise node) = max level of its children,
///     level(barrier)  = 1 + max level of its inputs.
///
/// A *root* is an elementwise value that must outlive its loop: the argument of a loss
/// reduction (accumulated), a gradient term's G (consumed at the end of the tile), a
/// barrier's input, or a weight gradient's computed source (`dW2 += G2ᵀ·h`). Roots of one
/// level and one shape form a *stage*: one SIMD loop over the tile's grid of that shape,
/// computing each distinct subexpression once (as the single-grid pass does), storing the
/// roots in tile buffers. A tile runs, level by level, the barriers of the level, then its
/// stages; last, the gradient terms. Values of a lower level that are not roots are
/// recomputed where needed (an add, a step): only roots and barrier outputs take buffers.

#include <algorithm>
#include <type_traits>

#include "ctgrad/lower/plan.hpp"

namespace ctgrad::detail {

// ---- barriers ----------------------------------------------------------------------------

/// What a node needs whole rows for.
enum class barrier_kind {
    none,                  ///< elementwise (or a leaf)
    forward_contraction,   ///< matmul(a, transpose(w)): z[r, c] = a[r]·w[c], a bound or computed
    backward_contraction,  ///< matmul(g, w): d[r, q] = Σ_c g[r, c]·w[c, q]
    row_sum,               ///< sum_over(a, k): d[r] = Σ_c a[r, c]
    row_logsumexp,         ///< logsumexp(a, k): d[r] = log Σ_c exp(a[r, c])
    one_hot,               ///< one_hot(y, k): d[r, c] = (c == y[r])
};

template <class E>
struct barrier_of {
    static constexpr barrier_kind kind = barrier_kind::none;
    using inputs = type_list<>;
};
template <class A, class W>
requires Variable<W>
struct barrier_of<call<matmul_fn, A, call<transpose_fn, W>>> {
    static constexpr barrier_kind kind = barrier_kind::forward_contraction;
    using left = A;
    using right = W;
    using inputs = std::conditional_t<Variable<A>, type_list<>, type_list<A>>;
};
template <class G, class W>
requires(Variable<W> && !std::is_same_v<call_fn_t<G>, transpose_fn>) struct barrier_of<call<matmul_fn, G, W>> {
    static constexpr barrier_kind kind = barrier_kind::backward_contraction;
    using left = G;
    using right = W;
    using inputs = type_list<G>;
};
template <class Over, class A>
requires(!contains_v<batch_axis, Over>) struct barrier_of<call<reduce_sum_fn<Over>, A>> {
    static constexpr barrier_kind kind = barrier_kind::row_sum;
    using inputs = type_list<A>;
};
template <class Over, class A>
requires(!contains_v<batch_axis, Over>) struct barrier_of<call<logsumexp_fn<Over>, A>> {
    static constexpr barrier_kind kind = barrier_kind::row_logsumexp;
    using inputs = type_list<A>;
};
template <class C, class Y>
struct barrier_of<call<one_hot_fn<C>, Y>> {
    static constexpr barrier_kind kind = barrier_kind::one_hot;
    using classes = C;
    using labels = Y;
    using inputs = type_list<>;
};

template <class E>
inline constexpr bool is_barrier_v = barrier_of<E>::kind != barrier_kind::none;

/// Is E evaluated elementwise (an operator, or a call of an elementwise function)?
template <class E>
inline constexpr bool is_elementwise_node_v = [] {
    if constexpr (is_kind_v<E, expr_kind::terminal>)
        return false;
    else if constexpr (is_kind_v<E, expr_kind::call>)
        return ElementwiseFunction<call_fn_t<E>>;
    else
        return true;
}();

/// The value arguments of a node (a call's function tag is not one).
template <class E>
struct operands_of;
template <class Leaf>
struct operands_of<terminal<Leaf>> {
    using type = type_list<>;
};
template <expr_kind K, class... C>
struct operands_of<expr<K, hana::tuple<C...>>> {
    using type = type_list<C...>;
};
template <class Fn, class... A>
struct operands_of<call<Fn, A...>> {
    using type = type_list<A...>;
};

// ---- the whole graph in dependency order -----------------------------------------------

template <class L, class E>
struct staged_walk;
template <class L, class Es>
struct staged_walk_all;
template <class L>
struct staged_walk_all<L, type_list<>> {
    using type = L;
};
template <class L, class E, class... Es>
struct staged_walk_all<L, type_list<E, Es...>> {
    using type = typename staged_walk_all<typename staged_walk<L, E>::type, type_list<Es...>>::type;
};

template <class E>
struct unsupported_node {
    static constexpr bool value = !is_kind_v<E, expr_kind::terminal> && !is_barrier_v<E> && !is_elementwise_node_v<E>;
    static_assert(!value || !is_reduction_v<call_fn_t<E>>,
                  "ctgrad: a sum/mean over the batch inside an expression: the fused lowering needs the loss to be a "
                  "linear combination of sums and means, with per-row reductions (sum_over(e, k), logsumexp) inside");
    static_assert(!value || !std::is_same_v<call_fn_t<E>, matmul_fn>,
                  "ctgrad: the fused lowering evaluates matrix products matmul(a, transpose(w)) and matmul(g, w) with "
                  "w a bound variable (a layer's weights) and a, g with the batch axis");
    static_assert(!value || !std::is_same_v<call_fn_t<E>, transpose_fn>,
                  "ctgrad: transpose is only supported inside matmul(a, transpose(w))");
};

template <class L, class E>
struct staged_walk {
    static_assert(!unsupported_node<E>::value, "ctgrad: this node cannot be lowered");
    template <class M>
    struct visit {
        using inner = std::conditional_t<is_kind_v<E, expr_kind::terminal>, type_list<>,
                                         std::conditional_t<is_barrier_v<E>, typename barrier_of<E>::inputs,
                                                            typename operands_of<E>::type>>;
        using type = tl_push_unique_t<typename staged_walk_all<M, inner>::type, E>;
    };
    using type =
        typename std::conditional_t<tl_contains_v<L, E>, std::type_identity<L>, visit<L>>::type;
};

// ---- levels --------------------------------------------------------------------------------

template <class E>
struct level_of;
template <class Es>
struct max_level;
template <class... Es>
struct max_level<type_list<Es...>> {
    static constexpr std::size_t value = std::max({std::size_t{0}, level_of<Es>::value...});
};
template <class E>
struct level_of {
    static constexpr std::size_t value = [] {
        if constexpr (is_kind_v<E, expr_kind::terminal>)
            return std::size_t{0};
        else if constexpr (is_barrier_v<E>)
            return 1 + max_level<typename barrier_of<E>::inputs>::value;
        else
            return max_level<typename operands_of<E>::type>::value;
    }();
};

// ---- stages --------------------------------------------------------------------------------

/// One SIMD loop of a tile: the roots of one level and one shape.
template <std::size_t Level, class Shape, class Roots>
struct stage {
    static constexpr std::size_t level = Level;
    using shape = Shape;
    using roots = Roots;
};

template <class Stages, class Root>
struct add_to_stage;
template <class Root>
struct add_to_stage<type_list<>, Root> {
    using type = type_list<stage<level_of<Root>::value, shape_of_t<Root>, type_list<Root>>>;
};
template <std::size_t Lv, class Sh, class Rs, class... More, class Root>
struct add_to_stage<type_list<stage<Lv, Sh, Rs>, More...>, Root> {
    static constexpr bool mine = Lv == level_of<Root>::value && std::is_same_v<Sh, shape_of_t<Root>>;
    using type = std::conditional_t<
        mine, type_list<stage<Lv, Sh, tl_push_unique_t<Rs, Root>>, More...>,
        typename tl_concat<type_list<stage<Lv, Sh, Rs>>, typename add_to_stage<type_list<More...>, Root>::type>::type>;
};
template <class Stages, class Roots>
struct group_stages;
template <class Stages>
struct group_stages<Stages, type_list<>> {
    using type = Stages;
};
template <class Stages, class R, class... Rs>
struct group_stages<Stages, type_list<R, Rs...>> {
    using type = typename group_stages<typename add_to_stage<Stages, R>::type, type_list<Rs...>>::type;
};

template <std::size_t Level, class List, template <class> class LevelOf>
struct at_level;
template <std::size_t Level, class... Xs, template <class> class LevelOf>
struct at_level<Level, type_list<Xs...>, LevelOf> {
    using type =
        typename tl_concat_all<std::conditional_t<LevelOf<Xs>::value == Level, type_list<Xs>, type_list<>>...>::type;
};
template <class S>
struct stage_level : std::integral_constant<std::size_t, S::level> {};

/// The nodes one stage evaluates, in order: the roots' subexpressions, stopping at its
/// *sources* (variables, constants, barriers, and roots stored by a lower level).
template <class L, class E, class Stored, std::size_t Level>
struct stage_walk;
template <class L, class Es, class Stored, std::size_t Level>
struct stage_walk_all;
template <class L, class Stored, std::size_t Level>
struct stage_walk_all<L, type_list<>, Stored, Level> {
    using type = L;
};
template <class L, class E, class... Es, class Stored, std::size_t Level>
struct stage_walk_all<L, type_list<E, Es...>, Stored, Level> {
    using type = typename stage_walk_all<typename stage_walk<L, E, Stored, Level>::type, type_list<Es...>, Stored,
                                         Level>::type;
};
template <class E, class Stored, std::size_t Level>
inline constexpr bool is_stage_source_v = is_kind_v<E, expr_kind::terminal> || is_barrier_v<E> ||
                                          (tl_contains_v<Stored, E> && level_of<E>::value < Level);
template <class L, class E, class Stored, std::size_t Level>
struct stage_walk {
    template <class M>
    struct visit {
        using inner = std::conditional_t<is_stage_source_v<E, Stored, Level>, type_list<>, typename operands_of<E>::type>;
        using type = tl_push_unique_t<typename stage_walk_all<M, inner, Stored, Level>::type, E>;
    };
    using type = typename std::conditional_t<tl_contains_v<L, E>, std::type_identity<L>, visit<L>>::type;
};

template <class Nodes, class Stored, std::size_t Level>
struct sources_in;
template <class... N, class Stored, std::size_t Level>
struct sources_in<type_list<N...>, Stored, Level> {
    // Constants and inverse sizes are splatted, not loaded: they are not sources.
    template <class E>
    static constexpr bool loaded = is_stage_source_v<E, Stored, Level> && (Variable<E> || !is_kind_v<E, expr_kind::terminal>);
    using type = typename tl_concat_all<std::conditional_t<loaded<N>, type_list<N>, type_list<>>...>::type;
};

template <class T>
struct weight_sources;
template <class... OT>
struct weight_sources<type_list<OT...>> {
    template <class Term>
    struct computed_source {
        using type = type_list<>;
    };
    template <class G, class X>
    requires(!Variable<X>) struct computed_source<weight_term<G, X>> {
        using type = type_list<X>;
    };
    using type = typename tl_concat_all<typename computed_source<typename OT::term>::type...>::type;
};

template <class Nodes>
struct barriers_in;
template <class... N>
struct barriers_in<type_list<N...>> {
    using type = typename tl_concat_all<std::conditional_t<is_barrier_v<N>, type_list<N>, type_list<>>...>::type;
    using inputs = typename unique_list<typename tl_concat_all<typename barrier_of<N>::inputs...>::type>::type;
};

/// Everything the staged pass of a fused plan needs, as types.
template <class Plan>
struct staged_plan {
    using reductions = typename Plan::reductions;
    using terms = typename Plan::terms;
    using accumulated = typename reduction_roots<reductions>::type;  // loss reductions' arguments
    using term_exprs = typename unique_list<typename term_roots<terms>::type>::type;
    using weight_inputs = typename weight_sources<terms>::type;  // computed a of dW += Gᵀ·a
    using graph =
        typename staged_walk_all<type_list<>, typename tl_concat<typename Plan::roots, weight_inputs>::type>::type;
    using barriers = typename barriers_in<graph>::type;
    /// Values kept in tile buffers: barrier inputs, terms' G, computed weight sources.
    using stored = typename unique_list<typename tl_concat_all<typename barriers_in<graph>::inputs, term_exprs,
                                                               weight_inputs>::type>::type;
    using buffered = typename tl_concat<stored, barriers>::type;  // one tile buffer each
    using stages = typename group_stages<type_list<>, typename unique_list<typename tl_concat<
                                                          stored, accumulated>::type>::type>::type;
    static constexpr std::size_t levels = 1 + max_level<graph>::value;
    static_assert(max_level<stored>::value < levels, "every stored value is computed at a level the pass runs");

    template <std::size_t Level>
    using barriers_at = typename at_level<Level, barriers, level_of>::type;
    template <std::size_t Level>
    using stages_at = typename at_level<Level, stages, stage_level>::type;
    template <class S>
    using nodes_of = typename stage_walk_all<type_list<>, typename S::roots, stored, S::level>::type;
    template <class S>
    using sources_of = typename sources_in<nodes_of<S>, stored, S::level>::type;
};

}  // namespace ctgrad::detail
