#pragma once
/// \file
/// Simplifying constructors: the algebra that differentiation builds its results with.
///
/// Each constructor returns the canonical form of the node it is asked for, so that zero terms
/// vanish at compile time, constants fold exactly, and products come out as the lecture writes
/// them: one constant first (if any), then the other factors left to right,
/// `c · f1 · f2 · ...` as `((c · (f1 · f2)) ...)`. Canonical forms make derivative types
/// small and comparable with `std::is_same`.

#include <type_traits>

#include "ctgrad/diff/traits.hpp"
#include "ctgrad/expr/functions.hpp"
#include "ctgrad/expr/leaves.hpp"
#include "ctgrad/expr/node.hpp"

namespace ctgrad::simplify {

namespace detail {
using namespace ctgrad::detail;

template <class C>
using constant_of = leaf_t<C>;

/// The exact folding of two constants, refused with a message when its lowest terms overflow.
template <checked_rational R>
struct folded_constant {
    static_assert(!R.overflow,
                  "ctgrad: folding two constants of this expression overflows an exact 64-bit fraction: write "
                  "the constants with fewer significant digits (e.g. 0.7978845608_c for 0.7978845608028654_c), "
                  "or fold them yourself into one constant (c1 * (c2 * x) as (c1c2)_c * x)");
    using type = constant_expr<R.num, R.den>;
};

template <class A, class B>
using const_product = typename folded_constant<rational_product(constant_of<A>::num, constant_of<A>::den,
                                                                constant_of<B>::num, constant_of<B>::den)>::type;
template <class A, class B>
using const_sum = typename folded_constant<rational_sum(constant_of<A>::num, constant_of<A>::den, constant_of<B>::num,
                                                        constant_of<B>::den)>::type;
template <class A>
using const_negated = constant_expr<-constant_of<A>::num, constant_of<A>::den>;
template <class A>
using const_reciprocal = constant_expr<constant_of<A>::den, constant_of<A>::num>;

/// `c * rest` with c a constant: the canonical scaled product.
template <class E>
struct scaled : std::false_type {};
template <class C, class R>
requires Constant<C>
struct scaled<node<expr_kind::multiplies, C, R>> : std::true_type {
    using factor = C;
    using rest = R;
};
template <class E>
inline constexpr bool is_scaled_v = scaled<std::remove_cvref_t<E>>::value;

/// `c * rest` with c < 0.
template <class E>
constexpr bool negatively_scaled() {
    if constexpr (is_scaled_v<E>) {
        return constant_of<typename scaled<std::remove_cvref_t<E>>::factor>::num < 0;
    } else {
        return false;
    }
}

template <class E, class Fn>
inline constexpr bool is_call_of_v = std::is_same_v<call_fn_t<E>, Fn>;

/// The axes a sum node sums over (void for any other node).
template <class E>
using reduce_sum_over_t = reduce_sum_axes_t<call_fn_t<E>>;
}  // namespace detail

template <class A, class B>
constexpr auto mul(const A& a, const B& b);
template <class A, class B>
constexpr auto add(const A& a, const B& b);
template <class A>
constexpr auto transpose(const A& a);
template <class A, class B>
constexpr auto matmul(const A& a, const B& b);
template <class A, class B>
constexpr auto div(const A& a, const B& b);

/// -a, as the product (-1) · a so that signs fold into constants.
template <class A>
constexpr auto neg(const A& a) {
    if constexpr (Constant<A>) {
        return detail::const_negated<A>{};
    } else if constexpr (detail::is_scaled_v<A>) {
        using S = detail::scaled<A>;
        return simplify::mul(detail::const_negated<typename S::factor>{}, typename S::rest{});
    } else {
        return make_node<expr_kind::multiplies>(constant_expr<-1>{}, a);
    }
}

namespace detail {
/// Q without one factor F (Q a product containing F); `void` when F is not a factor.
template <class Q, class F>
struct without_factor {
    using type = void;
};
template <class F>
struct without_factor<F, F> {
    using type = one_expr;
};
template <class L, class R, class F>
requires(
    !std::is_same_v<node<expr_kind::multiplies, L, R>, F>) struct without_factor<node<expr_kind::multiplies, L, R>, F> {
    using in_left = typename without_factor<L, F>::type;
    using in_right = typename without_factor<R, F>::type;
    using type = typename std::conditional_t<
        !std::is_void_v<in_right>, std::type_identity<node<expr_kind::multiplies, L, in_right>>,
        std::conditional_t<!std::is_void_v<in_left>, std::type_identity<node<expr_kind::multiplies, in_left, R>>,
                           std::type_identity<void>>>::type;
};

/// In the product A, a quotient p/q whose q has the factor F: A·F with that F cancelled.
template <class A, class F>
struct cancellation {
    static constexpr bool possible = false;
};
template <class P, class Q, class F>
requires(!std::is_void_v<typename without_factor<Q, F>::type>) struct cancellation<node<expr_kind::divides, P, Q>, F> {
    static constexpr bool possible = true;
};
template <class L, class R, class F>
requires(cancellation<R, F>::possible ||
         cancellation<L, F>::possible) struct cancellation<node<expr_kind::multiplies, L, R>, F> {
    static constexpr bool possible = true;
};
}  // namespace detail

template <class A, class F>
constexpr auto cancel(const A& a, const F& f);
template <class Q, class F>
constexpr auto remove_factor(const Q& q, const F& f);

/// a · b in canonical form (see the file comment). A factor that divides a quotient in a
/// cancels: `(p / (o·(1 − o)))·o·(1 − o)` is `p` (how σ followed by a cross-entropy
/// reaches the textbook `o − t`).
template <class A, class B>
constexpr auto mul(const A& a, const B& b) {
    using namespace detail;
    if constexpr (is_zero_v<A> || is_zero_v<B>) {
        return zero_expr{};
    } else if constexpr (is_one_v<A>) {
        return b;
    } else if constexpr (is_one_v<B>) {
        return a;
    } else if constexpr (Constant<A> && Constant<B>) {
        return const_product<A, B>{};
    } else if constexpr (Constant<B>) {
        return simplify::mul(b, a);
    } else if constexpr (Constant<A>) {
        if constexpr (is_scaled_v<B>) {
            using S = scaled<B>;
            return simplify::mul(const_product<A, typename S::factor>{}, typename S::rest{});
        } else {
            return make_node<expr_kind::multiplies>(a, b);
        }
    } else if constexpr (is_scaled_v<A>) {
        using S = scaled<A>;
        return simplify::mul(typename S::factor{}, simplify::mul(typename S::rest{}, b));
    } else if constexpr (is_scaled_v<B>) {
        using S = scaled<B>;
        return simplify::mul(typename S::factor{}, simplify::mul(a, typename S::rest{}));
    } else if constexpr (is_kind_v<B, expr_kind::multiplies>) {
        return simplify::mul(simplify::mul(a, child<0>(b)), child<1>(b));
    } else if constexpr (cancellation<A, B>::possible) {
        return simplify::cancel(a, b);
    } else {
        return make_node<expr_kind::multiplies>(a, b);
    }
}

/// Q with one factor F removed (F is a factor of the product Q, or Q itself).
template <class Q, class F>
constexpr auto remove_factor(const Q& q, const F& f) {
    using namespace detail;
    if constexpr (std::is_same_v<Q, F>) {
        return one_expr{};
    } else if constexpr (!std::is_void_v<
                             typename without_factor<std::remove_cvref_t<decltype(child<1>(q))>, F>::type>) {
        return simplify::mul(child<0>(q), simplify::remove_factor(child<1>(q), f));
    } else {
        return simplify::mul(simplify::remove_factor(child<0>(q), f), child<1>(q));
    }
}

/// a·f where a (a product or a quotient) has a quotient whose denominator has the factor f.
template <class A, class F>
constexpr auto cancel(const A& a, const F& f) {
    using namespace detail;
    if constexpr (is_kind_v<A, expr_kind::divides>) {
        return simplify::div(child<0>(a), simplify::remove_factor(child<1>(a), f));
    } else if constexpr (cancellation<std::remove_cvref_t<decltype(child<1>(a))>, F>::possible) {
        return simplify::mul(child<0>(a), simplify::cancel(child<1>(a), f));
    } else {
        return simplify::mul(simplify::cancel(child<0>(a), f), child<1>(a));
    }
}

/// The first factor of a product `f1 · f2 · ...` (not scaled), and the product of the others.
template <class E>
constexpr auto leading_factor(const E& e) {
    if constexpr (detail::is_kind_v<E, expr_kind::multiplies>)
        return simplify::leading_factor(detail::child<0>(e));
    else
        return e;
}
template <class E>
constexpr auto after_leading_factor(const E& e) {
    using L = std::remove_cvref_t<decltype(detail::child<0>(e))>;
    if constexpr (detail::is_kind_v<L, expr_kind::multiplies>)
        return simplify::mul(simplify::after_leading_factor(detail::child<0>(e)), detail::child<1>(e));
    else
        return detail::child<1>(e);
}
/// Two products with the same (non-constant) first factor: `X·a ± X·b = X·(a ± b)`.
template <class A, class B>
constexpr bool share_leading_factor() {
    using namespace detail;
    if constexpr (is_kind_v<A, expr_kind::multiplies> && is_kind_v<B, expr_kind::multiplies> && !is_scaled_v<A> &&
                  !is_scaled_v<B>) {
        return std::is_same_v<decltype(simplify::leading_factor(A{})), decltype(simplify::leading_factor(B{}))>;
    } else {
        return false;
    }
}

/// a - b.
template <class A, class B>
constexpr auto sub(const A& a, const B& b) {
    using namespace detail;
    if constexpr (is_zero_v<B>) {
        return a;
    } else if constexpr (is_zero_v<A>) {
        return simplify::neg(b);
    } else if constexpr (Constant<A> && Constant<B>) {
        return const_sum<A, const_negated<B>>{};
    } else if constexpr (std::is_same_v<A, B>) {
        return zero_expr{};
    } else if constexpr (share_leading_factor<A, B>()) {
        return simplify::mul(simplify::leading_factor(a),
                             simplify::sub(simplify::after_leading_factor(a), simplify::after_leading_factor(b)));
    } else {
        return make_node<expr_kind::minus>(a, b);
    }
}

/// `c · e` split into its constant factor (1 if none) and e.
template <class E>
constexpr auto factor_of(const E&) {
    if constexpr (detail::is_scaled_v<E>)
        return typename detail::scaled<E>::factor{};
    else
        return one_expr{};
}
template <class E>
constexpr auto unscaled(const E& e) {
    if constexpr (detail::is_scaled_v<E>)
        return typename detail::scaled<E>::rest{};
    else
        return e;
}

/// Can `a + b` be gathered into one matrix product, transpose or sum (constants allowed)?
template <class A, class B>
constexpr bool gatherable() {
    using namespace detail;
    using UA = decltype(unscaled(A{}));
    using UB = decltype(unscaled(B{}));
    if constexpr (is_call_of_v<UA, matmul_fn> && is_call_of_v<UB, matmul_fn>) {
        return std::is_same_v<decltype(child<2>(UA{})), decltype(child<2>(UB{}))> ||
               std::is_same_v<decltype(child<1>(UA{})), decltype(child<1>(UB{}))>;
    } else if constexpr (is_call_of_v<UA, transpose_fn> && is_call_of_v<UB, transpose_fn>) {
        return true;
    } else {
        return !std::is_void_v<reduce_sum_over_t<UA>> && std::is_same_v<reduce_sum_over_t<UA>, reduce_sum_over_t<UB>>;
    }
}

template <class A, class B>
constexpr auto gather(const A& a, const B& b);

/// a + b. Also gathers terms that share a factor of a product the lowering evaluates once:
/// `A·X + B·X = (A + B)·X` for matrix products and sums, so a gradient reads X once.
template <class A, class B>
constexpr auto add(const A& a, const B& b) {
    using namespace detail;
    if constexpr (is_zero_v<A>) {
        return b;
    } else if constexpr (is_zero_v<B>) {
        return a;
    } else if constexpr (Constant<A> && Constant<B>) {
        return const_sum<A, B>{};
    } else if constexpr (std::is_same_v<A, B>) {
        return simplify::mul(constant_expr<2>{}, a);
    } else if constexpr (gatherable<A, B>()) {
        return gather(a, b);
    } else if constexpr (share_leading_factor<A, B>()) {
        return simplify::mul(simplify::leading_factor(a),
                             simplify::add(simplify::after_leading_factor(a), simplify::after_leading_factor(b)));
    } else if constexpr (negatively_scaled<B>()) {
        using S = scaled<B>;
        return simplify::sub(a, simplify::mul(const_negated<typename S::factor>{}, typename S::rest{}));
    } else {
        return make_node<expr_kind::plus>(a, b);
    }
}

/// `c1·f(p) + c2·f(q) = f(c1·p + c2·q)` for a matrix product sharing an operand, a transpose
/// or a sum over the same axes: a gradient then reads its shared operand once.
template <class A, class B>
constexpr auto gather(const A& a, const B& b) {
    using namespace detail;
    auto ca = factor_of(a);
    auto cb = factor_of(b);
    auto ua = unscaled(a);
    auto ub = unscaled(b);
    using UA = decltype(ua);
    if constexpr (is_call_of_v<UA, matmul_fn>) {
        if constexpr (std::is_same_v<decltype(child<2>(ua)), decltype(child<2>(ub))>) {
            return simplify::matmul(simplify::add(simplify::mul(ca, child<1>(ua)), simplify::mul(cb, child<1>(ub))),
                                    child<2>(ua));
        } else {
            return simplify::matmul(child<1>(ua),
                                    simplify::add(simplify::mul(ca, child<2>(ua)), simplify::mul(cb, child<2>(ub))));
        }
    } else if constexpr (is_call_of_v<UA, transpose_fn>) {
        return simplify::transpose(simplify::add(simplify::mul(ca, child<1>(ua)), simplify::mul(cb, child<1>(ub))));
    } else {
        return make_call<reduce_sum_fn<reduce_sum_over_t<UA>>>(
            simplify::add(simplify::mul(ca, child<1>(ua)), simplify::mul(cb, child<1>(ub))));
    }
}

/// a / b; division by a constant becomes multiplication by its exact reciprocal.
template <class A, class B>
constexpr auto div(const A& a, const B& b) {
    using namespace detail;
    static_assert(!is_zero_v<B>, "ctgrad: division by the constant 0");
    if constexpr (is_zero_v<A>) {
        return zero_expr{};
    } else if constexpr (is_one_v<B>) {
        return a;
    } else if constexpr (Constant<A> && Constant<B>) {
        return const_product<A, const_reciprocal<B>>{};
    } else if constexpr (Constant<B>) {
        return simplify::mul(const_reciprocal<B>{}, a);
    } else {
        return make_node<expr_kind::divides>(a, b);
    }
}

/// a^N.
template <int N, class A>
constexpr auto pow(const A& a) {
    if constexpr (N == 0) {
        return one_expr{};
    } else if constexpr (N == 1) {
        return a;
    } else if constexpr (is_zero_v<A> && N > 0) {
        return zero_expr{};
    } else if constexpr (is_one_v<A>) {
        return one_expr{};
    } else {
        return make_call<pow_fn<N>>(a);
    }
}

/// The transpose of a; pushed through products so that gradients reach canonical matmuls.
template <class A>
constexpr auto transpose(const A& a) {
    using namespace detail;
    if constexpr (is_zero_v<A>) {
        return zero_expr{};
    } else if constexpr (is_call_of_v<A, transpose_fn>) {
        return child<1>(a);
    } else if constexpr (is_call_of_v<A, matmul_fn>) {
        return make_call<matmul_fn>(simplify::transpose(child<2>(a)), simplify::transpose(child<1>(a)));
    } else if constexpr (is_scaled_v<A>) {
        return simplify::mul(typename scaled<A>::factor{}, simplify::transpose(typename scaled<A>::rest{}));
    } else {
        return make_call<transpose_fn>(a);
    }
}

/// The matrix product a @ b; constants move out.
template <class A, class B>
constexpr auto matmul(const A& a, const B& b) {
    using namespace detail;
    if constexpr (is_zero_v<A> || is_zero_v<B>) {
        return zero_expr{};
    } else if constexpr (is_scaled_v<A>) {
        return simplify::mul(typename scaled<A>::factor{}, simplify::matmul(typename scaled<A>::rest{}, b));
    } else if constexpr (is_scaled_v<B>) {
        return simplify::mul(typename scaled<B>::factor{}, simplify::matmul(a, typename scaled<B>::rest{}));
    } else {
        return make_call<matmul_fn>(a, b);
    }
}

/// The sum of a over the axes Over (an empty list sums nothing).
template <class Over, class A>
constexpr auto reduce_sum(const A& a) {
    using namespace detail;
    if constexpr (is_zero_v<A>) {
        return zero_expr{};
    } else if constexpr (Over::rank == 0) {
        return a;
    } else {
        return make_call<reduce_sum_fn<Over>>(a);
    }
}

}  // namespace ctgrad::simplify
