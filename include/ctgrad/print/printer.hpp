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
#include "ctgrad/diff/traits.hpp"
#include "ctgrad/expr/functions.hpp"
#include "ctgrad/expr/leaves.hpp"
#include "ctgrad/expr/shape.hpp"
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
            using Fn = call_fn_t<E>;
            if constexpr (std::is_same_v<Fn, transpose_fn>) {
                if constexpr (per_sample)
                    return precedence<std::remove_cvref_t<decltype(child<1>(E{}))>>();
                else
                    return p_power;
            } else if constexpr (std::is_same_v<Fn, matmul_fn>) {
                return implicit_contraction<E>() ? p_product : (per_sample ? p_sum : p_product);
            } else if constexpr (std::is_same_v<Fn, reduce_sum_fn<typename reduce_axes<Fn>::type>>) {
                if constexpr (per_sample) {
                    using Shown = axes_minus_t<typename Fn::over, axes<batch_axis>>;
                    if constexpr (Shown::rank == 0)
                        return precedence<std::remove_cvref_t<decltype(child<1>(E{}))>>();
                    else
                        return p_sum;
                } else {
                    return p_atom;
                }
            } else if constexpr (std::is_same_v<Fn, pow_fn<pow_exponent<Fn>::value>>) {
                return p_power;
            } else {
                return p_atom;
            }
        }
    }

    template <class Fn>
    struct reduce_axes {
        using type = void;
    };
    template <class O>
    struct reduce_axes<reduce_sum_fn<O>> {
        using type = O;
    };
    template <class Fn>
    struct pow_exponent : std::integral_constant<int, 0> {};
    template <int K>
    struct pow_exponent<pow_fn<K>> : std::integral_constant<int, K> {};

    /// A matrix product over the batch axis, in per-sample form: just the product of elements.
    template <class E>
    static constexpr bool implicit_contraction() {
        if constexpr (!per_sample) {
            return false;
        } else {
            using A = shape_of_t<decltype(child<1>(E{}))>;
            using Q = typename last_axis<A>::type;
            return std::is_same_v<Q, batch_axis>;
        }
    }
    template <class S>
    struct last_axis {
        using type = void;
    };
    template <class A0>
    struct last_axis<axes<A0>> {
        using type = A0;
    };
    template <class A0, class A1>
    struct last_axis<axes<A0, A1>> {
        using type = A1;
    };

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

    /// The factors of a product, juxtaposed: `(O - t) O (1 - O) x_j`.
    template <class E>
    static constexpr void print_factors(text_buffer& b, bool first) {
        if constexpr (!lookup_name<E, Names>::found && is_kind_v<E, expr_kind::multiplies>) {
            print_factors<std::remove_cvref_t<decltype(child<0>(E{}))>>(b, first);
            print_factors<std::remove_cvref_t<decltype(child<1>(E{}))>>(b, false);
        } else if constexpr (!lookup_name<E, Names>::found && std::is_same_v<call_fn_t<E>, matmul_fn>) {
            if constexpr (implicit_contraction<E>()) {
                print_factors<std::remove_cvref_t<decltype(child<1>(E{}))>>(b, first);
                print_factors<std::remove_cvref_t<decltype(child<2>(E{}))>>(b, false);
            } else {
                if (!first)
                    b.append(' ');
                print_at<E>(b, p_product + 1);
            }
        } else if constexpr (!lookup_name<E, Names>::found && per_sample &&
                             std::is_same_v<call_fn_t<E>, transpose_fn>) {
            print_factors<std::remove_cvref_t<decltype(child<1>(E{}))>>(b, first);
        } else if constexpr (first_constant_is_sign<E>()) {
            if (!first)
                b.append(' ');
            b.append('-');
        } else {
            if (!first)
                b.append(' ');
            // In text, a quotient among juxtaposed factors needs parentheses: `x (a/b) y`.
            print_at<E>(b, first ? p_product : (latex ? p_product : p_power));
        }
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
                print_inverse_size(b, typename inverse_size_of<Leaf>::type{});
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
            print_call<E, call_fn_t<E>>(b);
        }
    }

    template <class Leaf>
    struct inverse_size_of;
    template <class A>
    struct inverse_size_of<inverse_size<A>> {
        using type = A;
    };

    template <class E, class Fn>
    static constexpr void print_call(text_buffer& b) {
        using A = std::remove_cvref_t<decltype(child<1>(E{}))>;
        if constexpr (requires { Fn::text_name; }) {  // a named elementwise function: f(a) or f(a, b)
            b.append(latex ? Fn::latex_name : Fn::text_name);
            open(b);
            print<A>(b);
            if constexpr (arity_v<E> == 2) {
                b.append(", ");
                print<std::remove_cvref_t<decltype(child<2>(E{}))>>(b);
            }
            close(b);
        } else if constexpr (std::is_same_v<Fn, pow_fn<pow_exponent<Fn>::value>>) {
            print_at<A>(b, p_atom);
            b.append(latex ? "^{" : "^");
            append_number(b, pow_exponent<Fn>::value);
            if (latex)
                b.append('}');
        } else if constexpr (std::is_same_v<Fn, transpose_fn>) {
            if constexpr (per_sample) {
                print<A>(b);
            } else {
                print_at<A>(b, p_atom);
                b.append(latex ? "^{\\top}" : "^T");
            }
        } else if constexpr (std::is_same_v<Fn, matmul_fn>) {
            using R = std::remove_cvref_t<decltype(child<2>(E{}))>;
            if constexpr (implicit_contraction<E>()) {
                print_factors<E>(b, true);
            } else if constexpr (per_sample) {
                b.append(latex ? "\\sum_{" : "sum_");
                b.append(last_axis<shape_of_t<A>>::type::name.view());
                b.append(latex ? "} " : " ");
                print_factors<A>(b, true);
                print_factors<R>(b, false);
            } else {
                print_at<A>(b, p_product);
                b.append(latex ? " " : " @ ");
                print_at<R>(b, p_power);
            }
        } else if constexpr (std::is_same_v<Fn, reduce_sum_fn<typename reduce_axes<Fn>::type>>) {
            using Over = typename Fn::over;
            if constexpr (per_sample) {
                using Shown = axes_minus_t<Over, axes<batch_axis>>;
                if constexpr (Shown::rank == 0) {
                    print<A>(b);
                } else {
                    b.append(latex ? "\\sum_{" : "sum_");
                    axis_names(b, Shown{});
                    b.append(latex ? "} " : " ");
                    print_at<A>(b, p_product);
                }
            } else {
                if constexpr (std::is_same_v<Over, shape_of_t<A>>) {
                    b.append(latex ? "\\sum" : "sum");
                } else {
                    b.append(latex ? "\\sum_{" : "sum_");
                    axis_names(b, Over{});
                    if (latex)
                        b.append('}');
                }
                open(b);
                print<A>(b);
                close(b);
            }
        } else {  // mean
            b.append(latex ? "\\operatorname{mean}" : "mean");
            open(b);
            print<A>(b);
            close(b);
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
}  // namespace ctgrad
