#pragma once
/// \file
/// Gradient terms: how the executor consumes each derivative. A derivative is a sum of
/// terms, each an elementwise expression G over the tile's rows, consumed in one of four ways:
///   - weight term  `matmul(transpose(G), X)`: dW[k, n] += Σ_row G[row, k]·X[row, n]
///   - input term   `matmul(G, W)`:            dX[row, n] += Σ_k G[row, k]·W[k, n]
///   - reduce term  `sum over some axes of G`: db[k] += Σ_row G[row, k]
///   - pointwise    `G`:                       dT[row, k] += G[row, k]
/// and a fifth that is no derivative: a forward pass's result `out[row, k] = G[row, k]`.
/// Constant factors and signs of the derivative's sum are folded into each term's G.

#include <type_traits>

#include "ctgrad/detail/type_list.hpp"
#include "ctgrad/diff/grad.hpp"
#include "ctgrad/diff/simplify.hpp"
#include "ctgrad/diff/traits.hpp"
#include "ctgrad/expr/functions.hpp"

namespace ctgrad::detail {

/// dW[k, n] += Σ_row G[row, k] · X[row, n]
template <class G, class X>
struct weight_term {
    using grid_expr = G;
    using source = X;
};
/// dX[row, n] += Σ_k G[row, k] · W[k, n]
template <class G, class W>
struct input_term {
    using grid_expr = G;
    using weights = W;
};
/// dV += G summed over the axes Over.
template <class Over, class G>
struct reduce_term {
    using grid_expr = G;
    using over = Over;
};
/// dV[grid] += G.
template <class G>
struct pointwise_term {
    using grid_expr = G;
};
/// out[grid] = G: a forward pass's value itself, stored into the caller's buffer.
template <class G>
struct result_term {
    using grid_expr = G;
};

/// Whether T is one of the term types above, made from the template Term.
template <template <class...> class Term, class T>
inline constexpr bool is_term_v = false;
template <template <class...> class Term, class... A>
inline constexpr bool is_term_v<Term, Term<A...>> = true;
template <class T>
inline constexpr bool is_weight_term_v = is_term_v<weight_term, T>;
template <class T>
inline constexpr bool is_input_term_v = is_term_v<input_term, T>;
template <class T>
inline constexpr bool is_reduce_term_v = is_term_v<reduce_term, T>;
template <class T>
inline constexpr bool is_result_term_v = is_term_v<result_term, T>;

template <class E, class Scale>
struct classify_terms {
    using G = decltype(simplify::mul(Scale{}, E{}));
    using type = std::conditional_t<is_zero_v<G>, type_list<>, type_list<pointwise_term<G>>>;
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

/// A leaf of the plan alone: the value 1 broadcast over Shape. `G · broadcast_one<S>` is G
/// evaluated on the grid S (a term's G that lacks axes of the gradient it is added into).
template <class Shape>
struct broadcast_one {};

template <class Shape>
struct leaf_shape<broadcast_one<Shape>> {
    using type = Shape;
};

template <class Leaf>
inline constexpr bool is_broadcast_one_v = false;
template <class Shape>
inline constexpr bool is_broadcast_one_v<broadcast_one<Shape>> = true;

/// G, evaluated on the axes of Shape too.
template <class G, class Shape>
using widen_t = std::conditional_t<std::is_same_v<shape_of_t<G>, Shape>, G,
                                   node<expr_kind::multiplies, G, terminal<broadcast_one<Shape>>>>;

/// A term as the executor consumes it: a pointwise G has its variable's shape, a reduced G the
/// axes it is summed over. (A derivative's sum is split into terms, and a piece of it may lack
/// axes: the bias b[k] in the gradient of a target t[batch, k].)
template <class Var, class Term>
struct widened {
    using type = Term;
};
template <class Var, class G>
struct widened<Var, pointwise_term<G>> {
    using type = pointwise_term<widen_t<G, shape_of_t<Var>>>;
};
template <class Var, class Over, class G>
struct widened<Var, reduce_term<Over, G>> {
    using type = reduce_term<Over, widen_t<G, broadcast_t<shape_of_t<G>, Over>>>;
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
    using type = type_list<output_term<I, Var, typename widened<Var, Ts>::type>...>;
};

/// The terms of the gradients of L with respect to W..., each tagged with its output.
template <class L, class... W>
struct terms_of {
    template <std::size_t... I>
    static auto tagged(std::index_sequence<I...>)
        -> tl_concat_all<typename tag_terms<I, W, gradient_terms_t<decltype(grad(L{}, W{}))>>::type...>;
    using type = typename decltype(tagged(std::index_sequence_for<W...>{}))::type;
};

/// The G of each term, and the computed (non-variable) X of each weight term.
template <class Terms>
struct term_roots;
template <class... OT>
struct term_roots<type_list<OT...>> {
    using type = type_list<typename OT::term::grid_expr...>;
    template <class Term>
    static auto computed_source() {
        if constexpr (is_weight_term_v<Term>) {
            if constexpr (!Variable<typename Term::source>)
                return type_list<typename Term::source>{};
            else
                return type_list<>{};
        } else {
            return type_list<>{};
        }
    }
    using weight_sources = typename tl_concat_all<decltype(computed_source<typename OT::term>())...>::type;
};

}  // namespace ctgrad::detail
