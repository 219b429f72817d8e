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

/// An exact rational compile-time constant Num/Den, kept in lowest terms. Num and Den are
/// 64-bit (`std::intmax_t`); folding two constants (diff/simplify.hpp) is checked for overflow.
template <std::intmax_t Num, std::intmax_t Den = 1>
struct constant {
    static_assert(Den != 0, "ctgrad: a constant with denominator 0");
    static_assert(Num != INTMAX_MIN && Den != INTMAX_MIN, "ctgrad: a constant's numerator or denominator is -2^63");
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

/// Exact rational arithmetic that says when a result does not fit, in the manner of
/// mp-units' ratio: common factors are cancelled *before* multiplying, so that only a result
/// whose lowest terms overflow is refused.
struct checked_rational {
    std::intmax_t num = 0;
    std::intmax_t den = 1;
    bool overflow = false;
};

/// a·b, or `overflow` (never -2^63, whose negation overflows).
constexpr bool checked_mul(std::intmax_t a, std::intmax_t b, std::intmax_t& out) {
    if (a == 0 || b == 0) {
        out = 0;
        return true;
    }
    const std::uintmax_t ua = a < 0 ? 0 - static_cast<std::uintmax_t>(a) : static_cast<std::uintmax_t>(a);
    const std::uintmax_t ub = b < 0 ? 0 - static_cast<std::uintmax_t>(b) : static_cast<std::uintmax_t>(b);
    if (ua > static_cast<std::uintmax_t>(INTMAX_MAX) / ub)
        return false;
    out = a * b;
    return true;
}
/// a + b, or `overflow` (never -2^63).
constexpr bool checked_add(std::intmax_t a, std::intmax_t b, std::intmax_t& out) {
    if ((b > 0 && a > INTMAX_MAX - b) || (b < 0 && a < -INTMAX_MAX - b))
        return false;
    out = a + b;
    return true;
}

/// n/d in lowest terms with d > 0 (n, d never -2^63).
constexpr checked_rational reduced(std::intmax_t n, std::intmax_t d) {
    const std::intmax_t g = std::gcd(n, d) == 0 ? 1 : std::gcd(n, d);
    return d < 0 ? checked_rational{-n / g, -d / g} : checked_rational{n / g, d / g};
}

/// (n1/d1)·(n2/d2) for fractions in lowest terms: cross-cancel, then a checked multiply.
constexpr checked_rational rational_product(std::intmax_t n1, std::intmax_t d1, std::intmax_t n2, std::intmax_t d2) {
    const std::intmax_t g1 = std::gcd(n1, d2) == 0 ? 1 : std::gcd(n1, d2);
    const std::intmax_t g2 = std::gcd(n2, d1) == 0 ? 1 : std::gcd(n2, d1);
    checked_rational r;
    if (!checked_mul(n1 / g1, n2 / g2, r.num) || !checked_mul(d1 / g2, d2 / g1, r.den))
        return {0, 1, true};
    return reduced(r.num, r.den);
}

/// n1/d1 + n2/d2 for fractions in lowest terms: over lcm(d1, d2), every step checked.
constexpr checked_rational rational_sum(std::intmax_t n1, std::intmax_t d1, std::intmax_t n2, std::intmax_t d2) {
    const std::intmax_t g = std::gcd(d1, d2);
    std::intmax_t a = 0, b = 0, n = 0, d = 0;
    if (!checked_mul(n1, d2 / g, a) || !checked_mul(n2, d1 / g, b) || !checked_add(a, b, n) ||
        !checked_mul(d1 / g, d2, d))
        return {0, 1, true};
    return reduced(n, d);
}
}  // namespace detail

/// The terminal of the constant N/D (in lowest terms).
template <std::intmax_t N, std::intmax_t D = 1>
using constant_expr = terminal<detail::normalized_constant<N, D>>;

using zero_expr = constant_expr<0>;
using one_expr = constant_expr<1>;

/// `1 / (product of the extents of Axes)`: the scale of a mean. Known once data is bound.
template <class Axes>
struct inverse_size {
    using over = Axes;  ///< the axes whose size it is the reciprocal of
};

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
/// `digits[.digits][e[+-]digits]` as an exact fraction. Trailing zeros after the point cost
/// nothing; up to 18 significant digits always fit in 64 bits (10^18 < 2^63).
template <char... Cs>
consteval parsed parse_decimal() {
    constexpr char text[] = {Cs...};
    // (The message must be a literal on the line of the call: g++ quotes the call's argument,
    // clang quotes the source line.)
    // clang-format off
    auto too_long = [] {
        detail::compile_time_error("ctgrad: this constant does not fit an exact 64-bit fraction: write at most 18 significant digits (e.g. 0.797884560802865_c), or a smaller power of ten");
    };
    // clang-format on
    std::intmax_t num = 0, den = 1;
    int pending_zeros = 0;  // zeros after the point, applied only if a non-zero digit follows
    bool after_point = false, in_exponent = false, negative_exponent = false, exponent_digits = false;
    int exponent = 0;
    auto times_ten = [&](std::intmax_t& v) {
        if (!detail::checked_mul(v, 10, v))
            too_long();
    };
    for (char c : text) {
        if (c == '\'') {
            continue;
        } else if (in_exponent) {
            if ((c == '-' || c == '+') && !exponent_digits && exponent == 0) {
                negative_exponent = c == '-';
            } else if (c >= '0' && c <= '9') {
                exponent = exponent * 10 + (c - '0');
                exponent_digits = true;
                if (exponent > 36)
                    too_long();
            } else {
                detail::compile_time_error("ctgrad: malformed constant literal");
            }
        } else if (c == '.') {
            if (after_point)
                detail::compile_time_error("ctgrad: malformed constant literal");
            after_point = true;
        } else if (c == 'e' || c == 'E') {
            in_exponent = true;
        } else if (c >= '0' && c <= '9') {
            if (after_point && c == '0') {
                ++pending_zeros;
                continue;
            }
            for (; pending_zeros > 0; --pending_zeros) {
                times_ten(num);
                times_ten(den);
            }
            times_ten(num);
            if (!detail::checked_add(num, c - '0', num))
                too_long();
            if (after_point)
                times_ten(den);
        } else {
            detail::compile_time_error("ctgrad: _c takes decimal literals such as 2_c, 0.5_c or 1e-3_c");
        }
    }
    if (in_exponent && !exponent_digits)
        detail::compile_time_error("ctgrad: malformed constant literal");
    const std::intmax_t g = std::gcd(num, den);
    if (g > 1) {
        num /= g;
        den /= g;
    }
    for (; exponent > 0 && num != 0; --exponent) {
        std::intmax_t& v = negative_exponent ? den : num;
        std::intmax_t& other = negative_exponent ? num : den;
        if (other % 10 == 0)
            other /= 10;
        else
            times_ten(v);
    }
    return {num, den};
}
}  // namespace literal_parsing

namespace literals {

/// A compile-time constant written as a decimal literal: `0.5_c` is the exact 1/2,
/// `0.7978845608028654_c` the exact 3989422804014327/5000000000000000, `1e-3_c` 1/1000.
template <char... Cs>
constexpr auto operator""_c() {  // not consteval: clang 14 leaves consteval calls in templates unevaluated (link errors)
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
