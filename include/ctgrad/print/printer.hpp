#pragma once
/// \file
/// The printer: an expression *type* rendered as text or LaTeX during constant evaluation.
/// It walks the same types the lowering evaluates, so what is printed is what is computed.
///
/// Two forms: *arrays* (operators on whole arrays: `x @ w^T`, `sum(...)`) and *per sample*
/// (the lecture's index notation: one sample, `O_k`, `x_j`; a matrix product over the batch is
/// the product of its elements, other contractions are written as sums). Axes of static extent
/// 1 carry no index, so the single-output perceptron prints `O`, not `O_k`.

#include <cstdint>
#include <string_view>
#include <type_traits>

#include "ctgrad/detail/type_list.hpp"
#include "ctgrad/detail/node_traits.hpp"
#include "ctgrad/diff/traits.hpp"
#include "ctgrad/expr/functions.hpp"
#include "ctgrad/expr/leaves.hpp"
#include "ctgrad/expr/operations.hpp"  // every operation's table entries, wherever the walker is
#include "ctgrad/expr/shape.hpp"
#include "ctgrad/ops/tables.hpp"
#include "ctgrad/print/static_string.hpp"

namespace ctgrad {

/// A name for a subexpression, used by printing only: `constexpr auto O = name<"O">(o);`
/// then `to_text(e, O)` shows `O` wherever `o` occurs. The computation never changes.
template <fixed_string Name, class E>
struct naming {
    static constexpr auto name = Name;
    using expression = E;
};

/// Names expression e for printing.
template <fixed_string Name, Expression E>
constexpr naming<Name, std::remove_cvref_t<E>> name(const E&) {
    return {};
}

namespace detail {

enum class notation { text, latex };
enum class print_form { arrays, per_sample };

template <class E, class Names>
struct lookup_name {
    static constexpr bool found = false;
};
template <class E, class N0, class... Ns>
struct lookup_name<E, type_list<N0, Ns...>> {
    static constexpr bool here = std::is_same_v<E, typename N0::expression>;
    using next = lookup_name<E, type_list<Ns...>>;
    static constexpr bool found = here || next::found;
    static constexpr std::string_view name() {
        if constexpr (here)
            return N0::name.view();
        else
            return next::name();
    }
};

constexpr void append_number(text_buffer& b, std::intmax_t v) {
    if (v < 0) {
        b.append('-');
        v = -v;
    }
    char digits[24]{};
    int n = 0;
    do {
        digits[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v > 0);
    while (n > 0)
        b.append(digits[--n]);
}

template <notation N, print_form F, class Names>
struct printer {
    static constexpr bool latex = N == notation::latex;
    static constexpr bool per_sample = F == print_form::per_sample;
    enum : int { p_sum = 0, p_product = 1, p_power = 2, p_atom = 3 };

    // ---- axes and indices ------------------------------------------------------------------

    template <class A>
    static constexpr bool indexed_axis() {
        if (A::is_static && A::extent == 1)
            return false;
        return !(per_sample && std::is_same_v<A, batch_axis>);
    }

    template <class... A>
    static constexpr void subscript(text_buffer& b, axes<A...>) {
        if constexpr (!per_sample) {
            return;
        } else {
            constexpr std::size_t count = (std::size_t{0} + ... + (indexed_axis<A>() ? 1 : 0));
            if constexpr (count > 0) {
                constexpr bool short_names = ((!indexed_axis<A>() || A::name.size() == 1) && ...);
                const bool braces = latex ? count > 1 || !short_names : !short_names;
                b.append(braces ? "_{" : "_");
                bool first = true;
                (
                    [&] {
                        if (indexed_axis<A>()) {
                            if (!first && !short_names)
                                b.append(',');
                            b.append(A::name.view());
                            first = false;
                        }
                    }(),
                    ...);
                if (braces)
                    b.append('}');
            }
        }
    }

    /// The symbol of an axis's extent: B for the batch, the number for a static extent, the
    /// upper-case name otherwise.
    template <class A>
    static constexpr void extent_symbol(text_buffer& b) {
        if constexpr (std::is_same_v<A, batch_axis>) {
            b.append('B');
        } else if constexpr (A::is_static) {
            append_number(b, static_cast<std::intmax_t>(A::extent));
        } else {
            for (char c : A::name.view())
                b.append(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
        }
    }

    template <class... A>
    static constexpr void axis_names(text_buffer& b, axes<A...>) {
        bool first = true;
        ((b.append(first ? "" : ","), b.append(A::name.view()), first = false), ...);
    }

    // ---- precedence ------------------------------------------------------------------------

    template <class E>
    static constexpr int precedence() {
        if constexpr (lookup_name<E, Names>::found) {
            return p_atom;
        } else if constexpr (is_kind_v<E, expr_kind::terminal>) {
            using Leaf = leaf_t<E>;
            if constexpr (is_constant<Leaf>::value) {
                if constexpr (Leaf::num < 0)
                    return p_sum;
                else if constexpr (Leaf::den != 1)
                    return latex ? p_atom : p_product;
                else
                    return p_atom;
            } else if constexpr (is_inverse_size<Leaf>::value) {
                return latex ? p_atom : p_product;
            } else {
                return p_atom;
            }
        } else if constexpr (is_kind_v<E, expr_kind::plus> || is_kind_v<E, expr_kind::minus> ||
                             is_kind_v<E, expr_kind::negate>) {
            return p_sum;
        } else if constexpr (is_kind_v<E, expr_kind::multiplies>) {
            using A = std::remove_cvref_t<decltype(child<0>(E{}))>;
            if constexpr (Constant<A>) {
                if constexpr (leaf_t<A>::num < 0)
                    return p_sum;
            }
            return p_product;
        } else if constexpr (is_kind_v<E, expr_kind::divides>) {
            return latex ? p_atom : p_product;
        } else {
            return print_impl<call_fn_t<E>>::template precedence<printer, E>();
        }
    }

    // ---- printing --------------------------------------------------------------------------

    static constexpr void open(text_buffer& b) { b.append(latex ? "\\left(" : "("); }
    static constexpr void close(text_buffer& b) { b.append(latex ? "\\right)" : ")"); }

    template <class E>
    static constexpr void print_at(text_buffer& b, int min_precedence) {
        if (precedence<E>() < min_precedence) {
            open(b);
            print<E>(b);
            close(b);
        } else {
            print<E>(b);
        }
    }

    template <class C>
    static constexpr void print_constant(text_buffer& b) {
        if constexpr (C::den == 1) {
            append_number(b, C::num);
        } else if constexpr (latex) {
            if (C::num < 0)
                b.append('-');
            b.append("\\frac{");
            append_number(b, C::num < 0 ? -C::num : C::num);
            b.append("}{");
            append_number(b, C::den);
            b.append('}');
        } else {
            append_number(b, C::num);
            b.append('/');
            append_number(b, C::den);
        }
    }

    template <class... A>
    static constexpr void print_inverse_size(text_buffer& b, axes<A...>) {
        constexpr bool several = sizeof...(A) > 1;
        if constexpr (latex) {
            b.append("\\frac{1}{");
            bool first = true;
            ((b.append(first ? "" : " "), extent_symbol<A>(b), first = false), ...);
            b.append('}');
        } else {
            b.append(several ? "1/(" : "1/");
            bool first = true;
            ((b.append(first ? "" : "*"), extent_symbol<A>(b), first = false), ...);
            if (several)
                b.append(')');
        }
    }

    /// The factors of a product, juxtaposed: `(O - t) O (1 - O) x_j`. An operation may say
    /// how it prints among factors (`print_impl<Fn>::factors`: a matrix product over the batch
    /// is the product of its operands' elements).
    template <class E>
    static constexpr void print_factors(text_buffer& b, bool first) {
        if constexpr (!lookup_name<E, Names>::found && is_kind_v<E, expr_kind::multiplies>) {
            print_factors<child_t<0, E>>(b, first);
            print_factors<child_t<1, E>>(b, false);
        } else if constexpr (!lookup_name<E, Names>::found && is_kind_v<E, expr_kind::call>) {
            if constexpr (requires { print_impl<call_fn_t<E>>::template factors<printer, E>(b, first); })
                print_impl<call_fn_t<E>>::template factors<printer, E>(b, first);
            else
                print_one_factor<E>(b, first);
        } else if constexpr (first_constant_is_sign<E>()) {
            if (!first)
                b.append(' ');
            b.append('-');
        } else {
            print_one_factor<E>(b, first);
        }
    }
    /// E as one factor among juxtaposed ones.
    template <class E>
    static constexpr void print_one_factor(text_buffer& b, bool first) {
        if (!first)
            b.append(' ');
        // In text, a quotient among juxtaposed factors needs parentheses: `x (a/b) y`.
        print_at<E>(b, first ? p_product : (latex ? p_product : p_power));
    }
    /// The constant -1, written as a sign.
    template <class C>
    static constexpr bool first_constant_is_sign() {
        if constexpr (Constant<C>)
            return leaf_t<C>::num == -1 && leaf_t<C>::den == 1;
        else
            return false;
    }

    template <class E>
    static constexpr void print_product(text_buffer& b) {
        using A = std::remove_cvref_t<decltype(child<0>(E{}))>;
        using R = std::remove_cvref_t<decltype(child<1>(E{}))>;
        if constexpr (Constant<A>) {
            if constexpr (first_constant_is_sign<A>()) {
                b.append('-');
                print_factors<R>(b, true);
            } else {
                print_constant<leaf_t<A>>(b);
                print_factors<R>(b, false);
            }
        } else {
            print_factors<E>(b, true);
        }
    }

    template <class E>
    static constexpr void print(text_buffer& b) {
        if constexpr (lookup_name<E, Names>::found) {
            b.append(lookup_name<E, Names>::name());
            subscript(b, shape_of_t<E>{});
        } else if constexpr (is_kind_v<E, expr_kind::terminal>) {
            using Leaf = leaf_t<E>;
            if constexpr (is_constant<Leaf>::value) {
                print_constant<Leaf>(b);
            } else if constexpr (is_inverse_size<Leaf>::value) {
                print_inverse_size(b, typename Leaf::over{});
            } else {
                b.append(Leaf::name.view());
                subscript(b, shape_of_t<E>{});
            }
        } else if constexpr (is_kind_v<E, expr_kind::plus> || is_kind_v<E, expr_kind::minus>) {
            print_at<std::remove_cvref_t<decltype(child<0>(E{}))>>(b, p_sum);
            b.append(is_kind_v<E, expr_kind::plus> ? " + " : " - ");
            print_at<std::remove_cvref_t<decltype(child<1>(E{}))>>(b,
                                                                   is_kind_v<E, expr_kind::plus> ? p_sum : p_product);
        } else if constexpr (is_kind_v<E, expr_kind::negate>) {
            b.append('-');
            print_at<std::remove_cvref_t<decltype(child<0>(E{}))>>(b, p_product);
        } else if constexpr (is_kind_v<E, expr_kind::multiplies>) {
            print_product<E>(b);
        } else if constexpr (is_kind_v<E, expr_kind::divides>) {
            using A = std::remove_cvref_t<decltype(child<0>(E{}))>;
            using D = std::remove_cvref_t<decltype(child<1>(E{}))>;
            if constexpr (latex) {
                b.append("\\frac{");
                print<A>(b);
                b.append("}{");
                print<D>(b);
                b.append('}');
            } else {
                print_at<A>(b, p_power);
                b.append('/');
                print_at<D>(b, p_power);
            }
        } else {
            print_impl<call_fn_t<E>>::template print<printer, E>(b);
        }
    }
};

/// Renders E with the printer P.
template <class P, class E>
struct render_expression {
    static constexpr text_buffer render() {
        text_buffer b;
        P::template print<E>(b);
        return b;
    }
};

/// Renders "∂L/∂v = ∂L/∂v per sample".
template <notation N, fixed_string LossName, class L, class V, class Names>
struct render_derivative {
    static constexpr text_buffer render() {
        using P = printer<N, print_form::per_sample, Names>;
        text_buffer b;
        if constexpr (N == notation::latex) {
            b.append("\\frac{\\partial ");
            b.append(LossName.view());
            b.append("}{\\partial ");
            P::template print<V>(b);
            b.append("} = ");
        } else {
            b.append("d");
            b.append(LossName.view());
            b.append("/d");
            P::template print<V>(b);
            b.append(" = ");
        }
        P::template print<decltype(grad(L{}, V{}))>(b);
        return b;
    }
};

}  // namespace detail

/// A named function, `f(a)` or `f(a, b)`: any tag with `text_name` and `latex_name`.
template <class Fn>
struct print_impl<Fn, hana::when<requires {
                      Fn::text_name;
                      Fn::latex_name;
                  }>> {
    template <class P, class E>
    static constexpr int precedence() {
        return P::p_atom;
    }
    template <class P, class E>
    static constexpr void print(detail::text_buffer& b) {
        b.append(P::latex ? Fn::latex_name : Fn::text_name);
        P::open(b);
        P::template print<detail::child_t<1, E>>(b);
        if constexpr (detail::arity_v<E> == 2) {
            b.append(", ");
            P::template print<detail::child_t<2, E>>(b);
        }
        P::close(b);
    }
};

/// `a^N`.
template <int N>
struct print_impl<pow_fn<N>> {
    template <class P, class E>
    static constexpr int precedence() {
        return P::p_power;
    }
    template <class P, class E>
    static constexpr void print(detail::text_buffer& b) {
        P::template print_at<detail::child_t<1, E>>(b, P::p_atom);
        b.append(P::latex ? "^{" : "^");
        detail::append_number(b, N);
        if (P::latex)
            b.append('}');
    }
};

}  // namespace ctgrad
