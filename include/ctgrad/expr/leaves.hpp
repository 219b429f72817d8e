#pragma once
/// \file
/// The leaves of an expression: variables (inputs and parameters), compile-time constants,
/// and the one run-time scalar the language needs, the reciprocal of a size (for `mean`).

#include <cstdint>
#include <numeric>
#include <type_traits>

#include "ctgrad/detail/errors.hpp"
#include "ctgrad/expr/axis.hpp"
#include "ctgrad/expr/node.hpp"

namespace ctgrad {

/// What a variable stands for. Both can be differentiated; the role documents intent
/// (PyTorch's `requires_grad`) and is shown by printing.
enum class role { input, parameter };

/// A variable leaf: a name, a role and named axes. Data is bound to it at evaluation.
template <fixed_string Name, role Role, class... Axes>
struct variable {
    static_assert((detail::is_axis<Axes>::value && ...),
                  "ctgrad: a variable's shape is a list of ctgrad::axis objects, e.g. input<\"x\">(batch, n)");
    static constexpr auto name = Name;
    static constexpr ctgrad::role kind = Role;
    using shape = axes<Axes...>;
};

/// An input, such as samples x or targets t: `constexpr auto x = input<"x">(batch, n);`
template <fixed_string Name, class... Axes>
constexpr auto input(Axes...) {
    return make_terminal<variable<Name, role::input, Axes...>>();
}

/// A parameter, such as weights w or biases b: `constexpr auto w = parameter<"w">(k, n);`
template <fixed_string Name, class... Axes>
constexpr auto parameter(Axes...) {
    return make_terminal<variable<Name, role::parameter, Axes...>>();
}

/// An exact rational compile-time constant Num/Den, kept in lowest terms.
template <std::intmax_t Num, std::intmax_t Den = 1>
struct constant {
    static_assert(Den != 0, "ctgrad: a constant with denominator 0");
    static constexpr std::intmax_t g = std::gcd(Num, Den) == 0 ? 1 : std::gcd(Num, Den);
    static constexpr std::intmax_t num = (Den < 0 ? -Num : Num) / g;
    static constexpr std::intmax_t den = (Den < 0 ? -Den : Den) / g;
    template <class T>
    static constexpr T value() {
        return static_cast<T>(num) / static_cast<T>(den);
    }
};

namespace detail {
template <std::intmax_t N, std::intmax_t D>
using normalized_constant = constant<constant<N, D>::num, constant<N, D>::den>;
}  // namespace detail

/// The terminal of the constant N/D (in lowest terms).
template <std::intmax_t N, std::intmax_t D = 1>
using constant_expr = terminal<detail::normalized_constant<N, D>>;

using zero_expr = constant_expr<0>;
using one_expr = constant_expr<1>;

/// `1 / (product of the extents of Axes)`: the scale of a mean. Known once data is bound.
template <class Axes>
struct inverse_size {};

namespace detail {
template <class T>
struct is_variable : std::false_type {};
template <fixed_string N, role R, class... A>
struct is_variable<variable<N, R, A...>> : std::true_type {};
template <class T>
struct is_constant : std::false_type {};
template <std::intmax_t N, std::intmax_t D>
struct is_constant<constant<N, D>> : std::true_type {};
template <class T>
struct is_inverse_size : std::false_type {};
template <class A>
struct is_inverse_size<inverse_size<A>> : std::true_type {};

template <class E>
struct terminal_traits {
    static constexpr bool is_terminal = false;
    using leaf = void;
};
template <class Leaf>
struct terminal_traits<terminal<Leaf>> {
    static constexpr bool is_terminal = true;
    using leaf = Leaf;
};
}  // namespace detail

/// A terminal holding a variable.
template <class E>
concept Variable = detail::is_variable<typename detail::terminal_traits<std::remove_cvref_t<E>>::leaf>::value;

/// A terminal holding a compile-time constant.
template <class E>
concept Constant = detail::is_constant<typename detail::terminal_traits<std::remove_cvref_t<E>>::leaf>::value;

template <class E>
inline constexpr bool is_zero_v = std::is_same_v<std::remove_cvref_t<E>, zero_expr>;
template <class E>
inline constexpr bool is_one_v = std::is_same_v<std::remove_cvref_t<E>, one_expr>;

namespace literal_parsing {
struct parsed {
    std::intmax_t num;
    std::intmax_t den;
};
template <char... Cs>
consteval parsed parse_decimal() {
    constexpr char text[] = {Cs...};
    std::intmax_t num = 0, den = 1;
    bool after_point = false;
    for (char c : text) {
        if (c == '.') {
            if (after_point)
                detail::compile_time_error("ctgrad: malformed constant literal");
            after_point = true;
        } else if (c >= '0' && c <= '9') {
            num = num * 10 + (c - '0');
            if (after_point)
                den *= 10;
        } else if (c != '\'') {
            detail::compile_time_error("ctgrad: _c takes decimal literals such as 2_c or 0.5_c");
        }
    }
    return {num, den};
}
}  // namespace literal_parsing

namespace literals {

/// A compile-time constant written as a decimal literal: `0.5_c` is the exact 1/2.
template <char... Cs>
consteval auto operator""_c() {
    constexpr auto p = literal_parsing::parse_decimal<Cs...>();
    return constant_expr<p.num, p.den>{};
}
}  // namespace literals

using namespace literals;

/// The lecture's `torch.ones(1, 1)`: the constant 1, broadcast against the other operand.
/// Only all-ones extents are a constant; anything else should be a bound input.
consteval one_expr ones(int rows = 1, int cols = 1) {
    if (rows != 1 || cols != 1)
        detail::compile_time_error("ctgrad::ones(r, c) takes r = c = 1; bind other targets as an input");
    return {};
}

}  // namespace ctgrad
