#pragma once
/// \file
/// The lowering plan: what one sweep over the rows of the data computes, read off the types of
/// the loss and of its derivatives. One plan for every model; the executor
/// (lower/executor.hpp) runs it.
///
/// A loss is a scalar expression over *reductions* (sum, mean) of values that have the rows
/// (the batch) as their first axis. Its derivatives are sums of *gradient terms*
/// (lower/terms.hpp). Every node of the graph is either elementwise, or a *barrier*: a node
/// that needs whole rows of its input before it produces a value (a matrix product, a sum over
/// a row, a log-sum-exp, a one-hot encoding). The executor sweeps the rows in tiles; inside a
/// tile it runs in *levels*:
///
///     level(terminal) = 0,  level(elementwise node) = max level of its children,
///     level(barrier)  = 1 + max level of its inputs.
///
/// A *root* is an elementwise value that must outlive its loop: the argument of a loss
/// reduction (accumulated), a gradient term's G (consumed at the end of the tile), a barrier's
/// input, or a weight gradient's computed source (`dW2 += G2ᵀ·h`). Roots of one level and one
/// shape form a *stage*: one SIMD loop over the tile computing each distinct subexpression
/// once, storing the roots in tile buffers. Values of a lower level that are not roots are
/// recomputed where needed: only roots and barrier outputs take buffers.
///
/// The plan also names, as traits, which kernels of the executor a model can use
/// (`column_tiles`, `one_term_per_output`): see the end of this file.

#include <algorithm>
#include <type_traits>

#include "ctgrad/detail/node_traits.hpp"
#include "ctgrad/detail/type_list.hpp"
#include "ctgrad/expr/functions.hpp"
#include "ctgrad/expr/leaves.hpp"
#include "ctgrad/expr/shape.hpp"
#include "ctgrad/lower/terms.hpp"
#include "ctgrad/ops/argmax.hpp"

namespace ctgrad::detail {

// ---- variables and reductions ----------------------------------------------------------------

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

template <template <class> class Pick, class L, class E>
struct collect_outermost;
template <template <class> class Pick, class L, class Es>
struct collect_in_each {
    using type = L;
};
template <template <class> class Pick, class L, class E, class... Es>
struct collect_in_each<Pick, L, type_list<E, Es...>> {
    using type = typename collect_in_each<Pick, typename collect_outermost<Pick, L, E>::type, type_list<Es...>>::type;
};
/// L followed by the nodes of E that Pick selects and that are not inside another one it
/// selects, each once, in order of first appearance (operands left to right).
template <template <class> class Pick, class L, class E>
struct collect_outermost {
    using type = typename std::conditional_t<Pick<E>::value, std::type_identity<tl_push_unique_t<L, E>>,
                                             collect_in_each<Pick, L, typename operands_of<E>::type>>::type;
};

template <class E>
using is_variable_node = std::bool_constant<Variable<E>>;

/// The variables (terminal types) of E, in order of first appearance.
template <class E>
using variables_of_t = typename collect_outermost<is_variable_node, type_list<>, E>::type;

template <class Fn>
inline constexpr bool is_reduction_v = false;
template <class O>
inline constexpr bool is_reduction_v<reduce_sum_fn<O>> = true;
template <class O>
inline constexpr bool is_reduction_v<reduce_mean_fn<O>> = true;

template <class E>
using is_reduction_node = std::bool_constant<is_reduction_v<call_fn_t<E>>>;

/// The reduction nodes of loss L that are not inside another reduction.
template <class Lss>
using reductions_of_t = typename collect_outermost<is_reduction_node, type_list<>, Lss>::type;

template <class R>
struct reduction_arg;
template <class Fn, class A>
struct reduction_arg<call<Fn, A>> {
    using type = A;
};
template <class Rs>
struct reduction_roots;
template <class... R>
struct reduction_roots<type_list<R...>> {
    using type = type_list<typename reduction_arg<R>::type...>;
};

template <class Leaf>
struct inverse_size_axes;
template <class A>
struct inverse_size_axes<inverse_size<A>> {
    using type = A;
};

// ---- barriers: the nodes that need whole rows -------------------------------------------------

/// What a node needs whole rows for.
enum class barrier_kind {
    none,                  ///< elementwise (or a leaf)
    forward_contraction,   ///< matmul(a, transpose(w)): z[r, c] = a[r]·w[c], a bound or computed
    backward_contraction,  ///< matmul(g, w): d[r, q] = Σ_c g[r, c]·w[c, q]
    row_sum,               ///< sum_over(a, k): d[r] = Σ_c a[r, c]
    row_logsumexp,         ///< logsumexp(a, k): d[r] = log Σ_c exp(a[r, c])
    one_hot,               ///< one_hot(y, k): d[r, c] = (c == y[r])
    row_argmax,            ///< argmax(a, k): d[r] = the first c of the largest a[r, c]
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
template <class Over, class A>
struct barrier_of<call<argmax_fn<Over>, A>> {
    static constexpr barrier_kind kind = barrier_kind::row_argmax;
    using axis = typename shape_traits::axis_at<Over, 0>::type;
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

/// `matmul(x, transpose(w))` with both operands bound: a product of the data with the weights.
template <class E>
inline constexpr bool is_bound_contraction_v = [] {
    if constexpr (barrier_of<E>::kind == barrier_kind::forward_contraction)
        return Variable<typename barrier_of<E>::left>;
    else
        return false;
}();

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

// ---- the whole graph in dependency order -------------------------------------------------------

/// L followed by the nodes reachable from Es that L lacks, each once, every node after what
/// it depends on: a depth-first walk that descends from a node E into Into::template inputs<E>.
template <class Into, class L, class Es>
struct dependency_walk;
template <class Into, class L>
struct dependency_walk<Into, L, type_list<>> {
    using type = L;
};
template <class Into, class L, class E, class... Es>
struct dependency_walk<Into, L, type_list<E, Es...>> {
    template <class M>
    struct visit {
        using type = tl_push_unique_t<typename dependency_walk<Into, M, typename Into::template inputs<E>>::type, E>;
    };
    using with_e = typename std::conditional_t<tl_contains_v<L, E>, std::type_identity<L>, visit<L>>::type;
    using type = typename dependency_walk<Into, with_e, type_list<Es...>>::type;
};

template <class E>
struct unsupported_node {
    static constexpr bool value = !is_kind_v<E, expr_kind::terminal> && !is_barrier_v<E> && !is_elementwise_node_v<E>;
    static_assert(!value || !is_reduction_v<call_fn_t<E>>,
                  "ctgrad: a sum/mean over the batch inside an expression: the loss must be a linear combination "
                  "of sums and means, with per-row reductions (sum_over(e, k), logsumexp) inside");
    static_assert(!value || !std::is_same_v<call_fn_t<E>, matmul_fn>,
                  "ctgrad: ctgrad evaluates matrix products matmul(a, transpose(w)) and matmul(g, w) with w a bound "
                  "variable (a layer's weights) and a, g with the batch axis");
    static_assert(!value || !std::is_same_v<call_fn_t<E>, transpose_fn>,
                  "ctgrad: transpose is only supported inside matmul(a, transpose(w))");
};

/// The whole graph: a barrier's inputs are the values it needs whole rows of.
struct into_graph {
    template <class E>
    struct of {
        static_assert(!unsupported_node<E>::value, "ctgrad: this node cannot be evaluated");
        using type = std::conditional_t<is_barrier_v<E>, typename barrier_of<E>::inputs, typename operands_of<E>::type>;
    };
    template <class E>
    using inputs = typename of<E>::type;
};

// ---- levels and stages -----------------------------------------------------------------------

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
template <class E, class Stored, std::size_t Level>
inline constexpr bool is_stage_source_v = is_kind_v<E, expr_kind::terminal> || is_barrier_v<E> ||
                                          (tl_contains_v<Stored, E> && level_of<E>::value < Level);
template <class Stored, std::size_t Level>
struct into_stage {
    template <class E>
    using inputs = std::conditional_t<is_stage_source_v<E, Stored, Level>, type_list<>, typename operands_of<E>::type>;
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

template <class Nodes>
struct barriers_in;
template <class... N>
struct barriers_in<type_list<N...>> {
    using type = typename tl_concat_all<std::conditional_t<is_barrier_v<N>, type_list<N>, type_list<>>...>::type;
    using inputs = typename unique_list<typename tl_concat_all<typename barrier_of<N>::inputs...>::type>::type;
};

// ---- the row axis and the tile shape of a value -----------------------------------------------

using shape_traits::axis_at;  // the I-th axis of a shape, void past its rank

/// Whether a value of Shape can live in a tile of rows along Row: [], [Row] or [Row, k].
template <class Shape, class Row>
inline constexpr bool fits_rows_v =
    Shape::rank == 0 || (Shape::rank <= 2 && std::is_same_v<typename axis_at<Shape, 0>::type, Row>);

template <class List, class Row>
struct all_fit_rows;
template <class... N, class Row>
struct all_fit_rows<type_list<N...>, Row> : std::bool_constant<(fits_rows_v<shape_of_t<N>, Row> && ...)> {};

template <class List, class Shape>
struct all_of_shape;
template <class... N, class Shape>
struct all_of_shape<type_list<N...>, Shape> : std::bool_constant<(std::is_same_v<shape_of_t<N>, Shape> && ...)> {};
template <class Stages>
struct stages_share_shape : std::true_type {
    using shape = axes<>;
};
template <class S0, class... S>
struct stages_share_shape<type_list<S0, S...>>
    : std::bool_constant<(std::is_same_v<typename S0::shape, typename S::shape> && ...)> {
    using shape = typename S0::shape;
};

template <class List>
struct all_bound_contractions;
template <class... N>
struct all_bound_contractions<type_list<N...>> : std::bool_constant<(is_bound_contraction_v<N> && ...)> {};

// ---- the plan ---------------------------------------------------------------------------------

/// The axes of a list of variables, each once.
template <class Vars>
struct axes_of_variables;
template <class... V>
struct axes_of_variables<type_list<V...>> {
    template <class S>
    struct as_list;
    template <class... A>
    struct as_list<axes<A...>> {
        using type = type_list<A...>;
    };
    using type = typename unique_list<typename tl_concat_all<typename as_list<shape_of_t<V>>::type...>::type>::type;
};

template <class Stages, template <class> class NodesOf>
struct nodes_of_stages;
template <class... S, template <class> class NodesOf>
struct nodes_of_stages<type_list<S...>, NodesOf> {
    using type = typename unique_list<typename tl_concat_all<NodesOf<S>...>::type>::type;
};

/// One sweep of the executor over the rows of Row: the loss reductions whose arguments it
/// accumulates (`Accumulated`; `Reductions` is the loss's whole list, which indexes the sums),
/// the gradient terms it consumes (`Terms`, into `Outputs` buffers). A loss is one sweep over
/// the batch, plus one over the parameters for each shape of its parameter-only terms
/// (`plan_of::parameter_passes`); a forward pass (`forward_plan`) is one sweep whose only term
/// stores the value itself.
template <class Variables, class Reductions, class Accumulated, class Terms, std::size_t Outputs, class Row>
struct pass_plan {
    using variables = Variables;
    using all_axes = typename axes_of_variables<variables>::type;
    using reductions = Reductions;
    using terms = Terms;

    using accumulated = Accumulated;  // loss reductions' arguments
    using term_exprs = typename unique_list<typename term_roots<terms>::type>::type;
    using weight_inputs = typename term_roots<terms>::weight_sources;  // computed a of dW += Gᵀ·a
    using graph = typename dependency_walk<into_graph, type_list<>,
                                           typename tl_concat_all<accumulated, term_exprs, weight_inputs>::type>::type;
    using barriers = typename barriers_in<graph>::type;
    /// Values kept in tile buffers: barrier inputs, terms' G, computed weight sources.
    using stored = typename unique_list<typename tl_concat_all<typename barriers_in<graph>::inputs, term_exprs,
                                                               weight_inputs>::type>::type;
    using buffered = typename tl_concat<stored, barriers>::type;  // one tile buffer each
    using stages = typename group_stages<type_list<>, typename unique_list<typename tl_concat<
                                                          stored, accumulated>::type>::type>::type;
    static constexpr std::size_t levels = 1 + max_level<graph>::value;

    template <std::size_t Level>
    using barriers_at = typename at_level<Level, barriers, level_of>::type;
    template <std::size_t Level>
    using stages_at = typename at_level<Level, stages, stage_level>::type;
    template <class S>
    using nodes_of = typename dependency_walk<into_stage<stored, S::level>, type_list<>, typename S::roots>::type;
    template <class S>
    using sources_of = typename sources_in<nodes_of<S>, stored, S::level>::type;
    /// Every node some stage evaluates elementwise (each once per element of its stage).
    using nodes = typename nodes_of_stages<stages, nodes_of>::type;

    /// The axis the executor tiles: the batch for a model of samples, the first axis of the
    /// parameters for a pass over them, void (one row) for scalars.
    using row_axis = Row;
    static_assert(all_fit_rows<buffered, row_axis>::value && all_fit_rows<accumulated, row_axis>::value,
                  "ctgrad: every intermediate value, gradient term and reduced expression must have at most two "
                  "axes, the first one the rows: [batch] or [batch, k] (over parameters alone: [k] or [k, n])");

    // ---- kernel choices, as named traits (tests/unit/test_executor_paths.cpp pins them) ----

    /// Tiles may hold part of a row (columns [c0, c0 + C)): every barrier is a product of bound
    /// data with bound weights and every stored value has the stages' one shape, so that no
    /// value needs a whole row. Then rows of any width are evaluated (else: up to a tile's
    /// capacity, `errc::extent_too_large`).
    static constexpr bool column_tiles = all_bound_contractions<barriers>::value &&
                                         stages_share_shape<stages>::value &&
                                         all_of_shape<stored, typename stages_share_shape<stages>::shape>::value;
    /// Each gradient buffer is written by exactly one term: a call whose data is one tile of one
    /// row can store the gradients instead of zeroing the buffers and adding into them.
    static constexpr bool one_term_per_output = [] {
        bool one = true;
        for (std::size_t i = 0; i < Outputs; ++i) {
            std::size_t n = 0;
            tl_for_each(terms{}, [&](auto t, auto) { n += decltype(t)::type::output == i; });
            one = one && n == 1;
        }
        return one;
    }();
};

// ---- splitting a loss into passes -------------------------------------------------------------

/// The key of the pass that evaluates a root: the main pass (its first axis is the main row
/// axis), else its shape (a pass over parameters; axes<> for scalars).
struct main_pass_key {};
template <class Root, class MainRow>
using pass_key_t = std::conditional_t<(shape_of_t<Root>::rank > 0 &&
                                       std::is_same_v<typename axis_at<shape_of_t<Root>, 0>::type, MainRow>),
                                      main_pass_key, shape_of_t<Root>>;

template <class Roots, class MainRow, class Key>
struct roots_of_pass;
template <class... R, class MainRow, class Key>
struct roots_of_pass<type_list<R...>, MainRow, Key> {
    using type = typename tl_concat_all<
        std::conditional_t<std::is_same_v<pass_key_t<R, MainRow>, Key>, type_list<R>, type_list<>>...>::type;
};
template <class Terms, class MainRow, class Key>
struct terms_of_pass;
template <class... OT, class MainRow, class Key>
struct terms_of_pass<type_list<OT...>, MainRow, Key> {
    using type = typename tl_concat_all<std::conditional_t<
        std::is_same_v<pass_key_t<typename OT::term::grid_expr, MainRow>, Key>, type_list<OT>, type_list<>>...>::type;
};

/// The main row axis: the batch if some root has it first, else the first axis of the first
/// root that has axes (a loss of the parameters alone), else void.
template <class Roots>
struct main_row_of;
template <class... R>
struct main_row_of<type_list<R...>> {
    static constexpr bool batch_first =
        (std::is_same_v<typename axis_at<shape_of_t<R>, 0>::type, batch_axis> || ...);
    template <class... Xs>
    struct first_axis {
        using type = void;
    };
    template <class X, class... Xs>
    struct first_axis<X, Xs...> {
        using type = std::conditional_t<shape_of_t<X>::rank == 0, typename first_axis<Xs...>::type,
                                        typename axis_at<shape_of_t<X>, 0>::type>;
    };
    using type = std::conditional_t<batch_first, batch_axis, typename first_axis<R...>::type>;
};

template <class Key, class MainRow>
struct row_of_key {
    using type = typename axis_at<Key, 0>::type;  // a shape: its first axis (void for axes<>)
};
template <class MainRow>
struct row_of_key<main_pass_key, MainRow> {
    using type = MainRow;
};

/// Everything the executor needs to evaluate loss L and its gradients for W..., as types: the
/// main pass (this plan itself: the sweep over the batch) and `parameter_passes`, one sweep per
/// shape of the values that do not have the batch (`0.01_c * sum(pow<2>(w))`: a pass over w).
template <class L, class... W>
struct plan_of;

template <class L, class... W>
struct plan_split {
    using variables = variables_of_t<L>;
    using reductions = reductions_of_t<L>;
    using all_terms = typename terms_of<L, W...>::type;
    using all_accumulated = typename reduction_roots<reductions>::type;
    using all_roots = typename tl_concat<all_accumulated, typename term_roots<all_terms>::type>::type;
    using main_row = typename main_row_of<all_roots>::type;

    template <class Key>
    using pass = pass_plan<variables, reductions, typename roots_of_pass<all_accumulated, main_row, Key>::type,
                           typename terms_of_pass<all_terms, main_row, Key>::type, sizeof...(W),
                           typename row_of_key<Key, main_row>::type>;

    template <class Roots>
    struct other_keys;
    template <class... R>
    struct other_keys<type_list<R...>> {
        using type = typename unique_list<typename tl_concat_all<
            std::conditional_t<std::is_same_v<pass_key_t<R, main_row>, main_pass_key>, type_list<>,
                               type_list<pass_key_t<R, main_row>>>...>::type>::type;
    };
    template <class Keys>
    struct passes_of;
    template <class... K>
    struct passes_of<type_list<K...>> {
        using type = type_list<pass<K>...>;
    };
    using main = pass<main_pass_key>;
    using others = typename passes_of<typename other_keys<all_roots>::type>::type;
};

template <class L, class... W>
struct plan_of : plan_split<L, W...>::main {
    using outputs = type_list<W...>;
    /// The sweeps over parameters alone, run after the main one, adding into the same sums
    /// and gradient buffers.
    using parameter_passes = typename plan_split<L, W...>::others;
};

/// The plan of a forward pass: the value of E (of rank 1 or more) stored, row by row, into
/// output buffer 0 (`value(e)`, api/forward.hpp).
template <class E>
using forward_plan = pass_plan<variables_of_t<E>, type_list<>, type_list<>,
                               type_list<output_term<0, E, result_term<E>>>, 1,
                               typename axis_at<shape_of_t<E>, 0>::type>;

template <class L, class... W>
using plan = plan_of<std::remove_cvref_t<L>, std::remove_cvref_t<W>...>;

}  // namespace ctgrad::detail
