#pragma once
/// \file
/// Printing expressions and derivatives as compile-time strings: `to_text`, `to_latex`,
/// per-sample index notation, and the lecture's derivative equations.

#include "ctgrad/diff/grad.hpp"
#include "ctgrad/print/printer.hpp"
#include "ctgrad/print/static_string.hpp"

namespace ctgrad {

/// Marks an expression for printing in the per-sample index notation of the lecture:
/// `to_text(per_sample(grad(E, w)), O)` is `(O_k - t_k) O_k (1 - O_k) x_j`.
template <class E>
struct per_sample_t {
    using expression = E;
};
template <Expression E>
constexpr per_sample_t<std::remove_cvref_t<E>> per_sample(const E&) {
    return {};
}

namespace detail {
template <notation N, class E, class... Names>
constexpr auto print_static() {
    if constexpr (requires { typename E::expression; } && !Expression<E>) {
        using P = printer<N, print_form::per_sample, type_list<Names...>>;
        return to_static_string<render_expression<P, typename E::expression>>();
    } else {
        using P = printer<N, print_form::arrays, type_list<Names...>>;
        return to_static_string<render_expression<P, E>>();
    }
}
}  // namespace detail

/// `e` as plain text, a compile-time string: `to_text(grad(E, w))`. Subexpressions named by
/// `names...` (made with `name<"O">(o)`) are shown by their names.
template <class E, class... Names>
constexpr auto to_text(const E&, const Names&...) {
    return detail::print_static<detail::notation::text, E, Names...>();
}

/// `e` as LaTeX, a compile-time string.
template <class E, class... Names>
constexpr auto to_latex(const E&, const Names&...) {
    return detail::print_static<detail::notation::latex, E, Names...>();
}

/// The equation `dE/dv = ...` of loss L's derivative with respect to v, per sample, in text:
/// `derivative_text<"E">(E, w, O)` is `dE/dw_kj = (O_k - t_k) O_k (1 - O_k) x_j`.
template <fixed_string LossName, Expression L, Expression V, class... Names>
constexpr auto derivative_text(const L&, const V&, const Names&...) {
    return detail::to_static_string<
        detail::render_derivative<detail::notation::text, LossName, L, V, detail::type_list<Names...>>>();
}

/// As `derivative_text`, in LaTeX: `\frac{\partial E}{\partial w_{kj}} = ...`.
template <fixed_string LossName, Expression L, Expression V, class... Names>
constexpr auto derivative_latex(const L&, const V&, const Names&...) {
    return detail::to_static_string<
        detail::render_derivative<detail::notation::latex, LossName, L, V, detail::type_list<Names...>>>();
}

}  // namespace ctgrad
