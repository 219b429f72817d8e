#pragma once
/// \file
/// The lowering plan: what one fused pass over the data must compute, read off the types of
/// the loss and of its derivatives.
///
/// A loss is a scalar expression over *reductions* (sum, mean) of elementwise expressions on a
/// common *grid* of two axes at most, typically [batch, k]. Each derivative is a sum of
/// *gradient terms*, each an elementwise grid expression G consumed in one of four ways:
///   - weight term  `matmul(transpose(G), X)`: dW[k, n] += Σ_batch G[batch, k]·X[batch, n]
///   - input term   `matmul(G, W)`:            dX[batch, n] += Σ_k G[batch, k]·W[k, n]
///   - reduce term  `sum over some axes of G`: db[k] += Σ_batch G[batch, k]
///   - pointwise    `G`:                       dT[batch, k] += G[batch, k]
/// Inside grid expressions, `matmul(x, transpose(w))` with bound x and w is a *contraction*,
/// computed by its own SIMD kernel and then read like a leaf. Everything else is evaluated
/// elementwise, each distinct subexpression type once per grid element (the *schedule*).

#include <type_traits>

#include "ctgrad/detail/type_list.hpp"
#include "ctgrad/diff/grad.hpp"
#include "ctgrad/diff/simplify.hpp"
#include "ctgrad/diff/traits.hpp"
#include "ctgrad/expr/functions.hpp"
#include "ctgrad/expr/leaves.hpp"
#include "ctgrad/expr/shape.hpp"

namespace ctgrad::detail {

// ---- variables ---------------------------------------------------------------------------

template <class L, class E>
struct collect_variables {
    using type = L;
};
template <class L, class Leaf>
struct collect_variables<L, terminal<Leaf>> {
    using type = std::conditional_t<is_variable<Leaf>::value, tl_push_unique_t<L, terminal<Leaf>>, L>;
};
template <class L, expr_kind K, class C0, class... C>
requires(K != expr_kind::terminal) struct collect_variables<L, expr<K, hana::tuple<C0, C...>>> {
    template <class Acc, class... Cs>
    struct fold {
        using type = Acc;
    };
    template <class Acc, class X, class... Xs>
    struct fold<Acc, X, Xs...> {
        using type = typename fold<typename collect_variables<Acc, X>::type, Xs...>::type;
    };
    using type = typename fold<L, C0, C...>::type;
};

/// The variables (terminal types) of E, in order of first appearance.
template <class E>
using variables_of_t = typename collect_variables<type_list<>, E>::type;

// ---- contractions ------------------------------------------------------------------------

/// `matmul(x, transpose(w))` with x and w variables: computed by the contraction kernel.
template <class E>
struct is_contraction : std::false_type {};
template <class X, class W>
requires(Variable<X>&& Variable<W>) struct is_contraction<call<matmul_fn, X, call<transpose_fn, W>>> : std::true_type {
    using left = X;
    using right = W;
};
template <class E>
inline constexpr bool is_contraction_v = is_contraction<E>::value;

template <class Fn>
inline constexpr bool is_reduction_v = false;
template <class O>
inline constexpr bool is_reduction_v<reduce_sum_fn<O>> = true;
template <class O>
inline constexpr bool is_reduction_v<reduce_mean_fn<O>> = true;

// ---- the loss: reductions at the scalar level ----------------------------------------------

template <class L, class E>
struct collect_reductions {
    using type = L;
};
template <class L, class E>
requires(!is_kind_v<E, expr_kind::terminal>) struct collect_reductions<L, E> {
    template <class Acc, class Tuple>
    struct fold;
    template <class Acc, class... Xs>
    struct fold<Acc, hana::tuple<Xs...>> {
        template <class A, class... Ys>
        struct go {
            using type = A;
        };
        template <class A, class Y, class... Ys>
        struct go<A, Y, Ys...> {
            using type = typename go<typename collect_reductions<A, Y>::type, Ys...>::type;
        };
        using type = typename go<Acc, Xs...>::type;
    };
    static constexpr bool is_reduction = is_reduction_v<call_fn_t<E>>;
    using type = typename std::conditional_t<is_reduction, std::type_identity<tl_push_unique_t<L, E>>,
                                             fold<L, decltype(E::elements)>>::type;
};

/// The reduction nodes of loss L that are not inside another reduction.
template <class Lss>
using reductions_of_t = typename collect_reductions<type_list<>, Lss>::type;

template <class R>
struct reduction_arg;
template <class Fn, class A>
struct reduction_arg<call<Fn, A>> {
    using type = A;
};

/// The grid of the single-grid pass: the axes of the loss reductions' arguments.
/// `consistent` when they all range over the same axes, two at most.
template <class Rs>
struct grid_of;
template <>
struct grid_of<type_list<>> {
    using type = axes<>;
    static constexpr bool consistent = true;
};
template <class R0, class... Rs>
struct grid_of<type_list<R0, Rs...>> {
    using type = shape_of_t<typename reduction_arg<R0>::type>;
    static constexpr bool consistent =
        (same_set_v<type, shape_of_t<typename reduction_arg<Rs>::type>> && ...) && type::rank <= 2;
};

// ---- gradient terms ----------------------------------------------------------------------

/// dW[k, n] += Σ_row G[row, k] · X[row, n]
template <class G, class X>
struct weight_term {
    using grid_expr = G;
};
/// dX[row, n] += Σ_k G[row, k] · W[k, n]
template <class G, class W>
struct input_term {
    using grid_expr = G;
};
/// dV += G summed over the axes Over.
template <class Over, class G>
struct reduce_term {
    using grid_expr = G;
};
/// dV[grid] += G.
template <class G>
struct pointwise_term {
    using grid_expr = G;
};

template <class E, class Scale>
struct classify_terms {
    using G = decltype(simplify::mul(Scale{}, E{}));
    using type = std::conditional_t<is_zero_v<G>, type_list<>, type_list<pointwise_term<G>>>;
};

template <class L, class M>
struct tl_concat;
template <class... A, class... B>
struct tl_concat<type_list<A...>, type_list<B...>> {
    using type = type_list<A..., B...>;
};

template <class A, class B, class S>
struct classify_terms<node<expr_kind::plus, A, B>, S> {
    using type = typename tl_concat<typename classify_terms<A, S>::type, typename classify_terms<B, S>::type>::type;
};
template <class A, class B, class S>
struct classify_terms<node<expr_kind::minus, A, B>, S> {
    using type = typename tl_concat<typename classify_terms<A, S>::type,
                                    typename classify_terms<B, decltype(simplify::neg(S{}))>::type>::type;
};
template <class C, class R, class S>
requires Constant<C>
struct classify_terms<node<expr_kind::multiplies, C, R>, S> {
    using type = typename classify_terms<R, decltype(simplify::mul(S{}, C{}))>::type;
};
template <class G, class X, class S>
struct classify_terms<call<matmul_fn, call<transpose_fn, G>, X>, S> {
    using type = type_list<weight_term<decltype(simplify::mul(S{}, G{})), X>>;
};
template <class G, class W, class S>
requires(Variable<W> && !std::is_same_v<call_fn_t<G>, transpose_fn>) struct classify_terms<call<matmul_fn, G, W>, S> {
    using type = type_list<input_term<decltype(simplify::mul(S{}, G{})), W>>;
};
template <class Over, class G, class S>
struct classify_terms<call<reduce_sum_fn<Over>, G>, S> {
    using type = type_list<reduce_term<Over, decltype(simplify::mul(S{}, G{}))>>;
};

/// The gradient terms of the derivative expression D.
template <class D>
using gradient_terms_t = typename classify_terms<D, one_expr>::type;

// ---- the schedule: distinct grid subexpressions in evaluation order ------------------------

template <class L, class E>
struct schedule_of;

template <class L, class E>
struct schedule_children {
    using type = L;
};
template <class L, expr_kind K, class... C>
struct schedule_children<L, expr<K, hana::tuple<C...>>> {
    template <class Acc, class... Xs>
    struct go {
        using type = Acc;
    };
    template <class Acc, class X, class... Xs>
    struct go<Acc, X, Xs...> {
        using type = typename go<typename schedule_of<Acc, X>::type, Xs...>::type;
    };
    using type = typename go<L, C...>::type;
};
template <class L, class Fn, class... A>
struct schedule_children<L, call<Fn, A...>> {  // the function tag is not a value
    template <class Acc, class... Xs>
    struct go {
        using type = Acc;
    };
    template <class Acc, class X, class... Xs>
    struct go<Acc, X, Xs...> {
        using type = typename go<typename schedule_of<Acc, X>::type, Xs...>::type;
    };
    using type = typename go<L, A...>::type;
};

template <class L, class E>
struct schedule_of {
    // Other nodes that are not elementwise (layers, per-row reductions) end the walk: a plan
    // with them is not single_grid, and the staged pass takes it (lower/staged_plan.hpp).
    static constexpr bool leaf = is_kind_v<E, expr_kind::terminal> || is_contraction_v<E> ||
                                 (is_kind_v<E, expr_kind::call> && !ElementwiseFunction<call_fn_t<E>>);
    using with_children =
        std::conditional_t<leaf || tl_contains_v<L, E>, std::type_identity<L>, schedule_children<L, E>>;
    using type = tl_push_unique_t<typename with_children::type, E>;
};

template <class L, class... Roots>
struct schedule_roots {
    using type = L;
};
template <class L, class R, class... Roots>
struct schedule_roots<L, R, Roots...> {
    using type = typename schedule_roots<typename schedule_of<L, R>::type, Roots...>::type;
};

template <class... Ls>
struct tl_concat_all {
    using type = type_list<>;
};
template <class L0, class... Ls>
struct tl_concat_all<L0, Ls...> {
    using type = typename tl_concat<L0, typename tl_concat_all<Ls...>::type>::type;
};

/// The contraction nodes among the scheduled nodes.
template <class Nodes>
struct contractions_in;
template <class... N>
struct contractions_in<type_list<N...>> {
    using type = typename tl_concat_all<std::conditional_t<is_contraction_v<N>, type_list<N>, type_list<>>...>::type;
};

/// The variables read elementwise on the grid (not through a contraction).
template <class Nodes>
struct grid_variables_in;
template <class... N>
struct grid_variables_in<type_list<N...>> {
    using type = typename tl_concat_all<std::conditional_t<Variable<N>, type_list<N>, type_list<>>...>::type;
};

template <class T>
struct is_weight_term : std::false_type {};
template <class G, class X>
struct is_weight_term<weight_term<G, X>> : std::true_type {
    using x = X;
};
template <class T>
struct is_input_term : std::false_type {};
template <class G, class W>
struct is_input_term<input_term<G, W>> : std::true_type {
    using w = W;
};
template <class T>
struct is_reduce_term : std::false_type {};
template <class Over, class G>
struct is_reduce_term<reduce_term<Over, G>> : std::true_type {
    using over = Over;
};

template <class Leaf>
struct inverse_size_axes;
template <class A>
struct inverse_size_axes<inverse_size<A>> {
    using type = A;
};

/// Gradient term `Term` of output I, the gradient of variable Var.
template <std::size_t I, class Var, class Term>
struct output_term {
    static constexpr std::size_t output = I;
    using variable = Var;
    using term = Term;
};

template <std::size_t I, class Var, class Terms>
struct tag_terms;
template <std::size_t I, class Var, class... Ts>
struct tag_terms<I, Var, type_list<Ts...>> {
    using type = type_list<output_term<I, Var, Ts>...>;
};

/// The axes of a list of variables.
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
    using type = typename tl_concat_all<typename as_list<shape_of_t<V>>::type...>::type;
};

template <class L>
struct unique_list;
template <class... T>
struct unique_list<type_list<T...>> {
    using type = typename tl_push_all_unique<type_list<>, T...>::type;
};

template <class Terms>
struct term_roots;
template <class... OT>
struct term_roots<type_list<OT...>> {
    using type = type_list<typename OT::term::grid_expr...>;
};
template <class Rs>
struct reduction_roots;
template <class... R>
struct reduction_roots<type_list<R...>> {
    using type = type_list<typename reduction_arg<R>::type...>;
};
template <class Roots>
struct schedule_list;
template <class... R>
struct schedule_list<type_list<R...>> {
    using type = typename schedule_roots<type_list<>, R...>::type;
};

template <class Nodes, class Grid>
struct fits_one_grid;
template <class... N, class Grid>
struct fits_one_grid<type_list<N...>, Grid> {
    template <class E>
    static constexpr bool fits() {
        if constexpr (is_contraction_v<E>)
            return std::is_same_v<shape_of_t<E>, Grid>;
        else if constexpr (is_kind_v<E, expr_kind::call>)
            return ElementwiseFunction<call_fn_t<E>> && subset_v<shape_of_t<E>, Grid>;
        else
            return subset_v<shape_of_t<E>, Grid>;
    }
    static constexpr bool value = (fits<N>() && ...);
};
template <class Terms>
struct bound_weight_sources;
template <class... OT>
struct bound_weight_sources<type_list<OT...>> {
    template <class Term>
    static constexpr bool bound() {
        if constexpr (is_weight_term<Term>::value)
            return Variable<typename is_weight_term<Term>::x>;
        else
            return true;
    }
    static constexpr bool value = (bound<typename OT::term>() && ...);
};

/// Everything the fused pass of loss L with gradients for W... needs to know, as types.
template <class L, class... W>
struct fused_plan_of {
    using variables = variables_of_t<L>;
    using all_axes = typename unique_list<typename axes_of_variables<variables>::type>::type;
    using reductions = reductions_of_t<L>;
    using grid = typename grid_of<reductions>::type;
    using outputs = type_list<W...>;
    template <std::size_t... I>
    static auto tagged(std::index_sequence<I...>)
        -> tl_concat_all<typename tag_terms<I, W, gradient_terms_t<decltype(grad(L{}, W{}))>>::type...>;
    using terms = typename decltype(tagged(std::index_sequence_for<W...>{}))::type;
    using roots =
        typename tl_concat<typename reduction_roots<reductions>::type, typename term_roots<terms>::type>::type;
    using nodes = typename schedule_list<roots>::type;
    using contractions = typename contractions_in<nodes>::type;
    using grid_variables = typename grid_variables_in<nodes>::type;
    /// Can one loop over one grid compute everything (the lecture's perceptron and its
    /// losses)? Otherwise the staged pass does (layers, per-row reductions).
    static constexpr bool single_grid = grid_of<reductions>::consistent && fits_one_grid<nodes, grid>::value &&
                                        bound_weight_sources<terms>::value;
};
template <class L, class... W>
using fused_plan = fused_plan_of<std::remove_cvref_t<L>, std::remove_cvref_t<W>...>;

}  // namespace ctgrad::detail
