#pragma once
/// \file
/// `maximum(a, b)`, `minimum(a, b)`, `clamp_min(a, lo)`, `clamp_max(a, hi)` and
/// `clamp(a, lo, hi)`, elementwise, with PyTorch 1.13's gradients where values tie (checked
/// against torch itself by tests/tools/make_minmax_cases.py):
///
/// - `torch.maximum`/`torch.minimum` split the gradient in half between a and b where a == b;
/// - `torch.clamp` passes the gradient to a wherever lo ≤ a ≤ hi, bounds included; a tensor
///   bound gets it where a is strictly beyond it.
///
/// So maximum and clamp_min compute the same value but differ in their derivatives: two tags.
/// Their derivatives are written with two masks, `greater_fn` ([a > b]) and `greater_equal_fn`
/// ([a ≥ b]), printed as Iverson brackets. The SIMD kernels are in lower/elementwise.hpp.

#include <cmath>
#include <type_traits>

#include "ctgrad/detail/node_traits.hpp"
#include "ctgrad/diff/rules.hpp"
#include "ctgrad/expr/node.hpp"
#include "ctgrad/expr/operands.hpp"
#include "ctgrad/expr/shape.hpp"
#include "ctgrad/ops/tables.hpp"

namespace ctgrad {

/// [a > b]: 1 where a > b, else 0 (NaN: 0), elementwise; derivative 0. A mask of the rules.
struct greater_fn {
    static constexpr bool elementwise = true;
};
/// [a ≥ b]: 1 where a ≥ b, else 0 (NaN: 0), elementwise; derivative 0. A mask of the rules.
struct greater_equal_fn {
    static constexpr bool elementwise = true;
};
/// The larger of a and b, elementwise (`torch.maximum`); NaN in either propagates.
struct maximum_fn {
    static constexpr bool elementwise = true;
    static constexpr const char* text_name = "maximum";
    static constexpr const char* latex_name = "\\max";
};
/// The smaller of a and b, elementwise (`torch.minimum`); NaN in either propagates.
struct minimum_fn {
    static constexpr bool elementwise = true;
    static constexpr const char* text_name = "minimum";
    static constexpr const char* latex_name = "\\min";
};
/// a raised to at least lo, elementwise (`torch.clamp(a, min=lo)`, `torch.clamp_min`).
struct clamp_min_fn {
    static constexpr bool elementwise = true;
    static constexpr const char* text_name = "clamp_min";
    static constexpr const char* latex_name = "\\operatorname{clamp\\_min}";
};
/// a lowered to at most hi, elementwise (`torch.clamp(a, max=hi)`, `torch.clamp_max`).
struct clamp_max_fn {
    static constexpr bool elementwise = true;
    static constexpr const char* text_name = "clamp_max";
    static constexpr const char* latex_name = "\\operatorname{clamp\\_max}";
};

namespace detail {
/// Two operands of an elementwise function (a plain number refused with the usual message),
/// the node checked for its shape near the user's line.
template <class Fn, class A, class B>
constexpr auto binary_call(const A& a, const B& b) {
    auto n = make_call<Fn>(as_operand(a), as_operand(b));
    (void)shape_of_t<decltype(n)>{};
    return n;
}
}  // namespace detail

/// The larger of a and b, elementwise, broadcasting by axis name (`torch.maximum(a, b)`); NaN
/// in either propagates. Where a == b each receives half the gradient, as in PyTorch.
/// `maximum(z, 0_c)` is relu's value, with ½ of the gradient at z = 0 where relu passes 0.
template <class A, class B>
requires detail::OperatorOperands<A, B>
constexpr auto maximum(const A& a, const B& b) {
    return detail::binary_call<maximum_fn>(a, b);
}
/// The smaller of a and b, elementwise (`torch.minimum(a, b)`); ties split the gradient in half.
template <class A, class B>
requires detail::OperatorOperands<A, B>
constexpr auto minimum(const A& a, const B& b) {
    return detail::binary_call<minimum_fn>(a, b);
}
/// max(a, lo), elementwise (`torch.clamp(a, min=lo)`): the gradient passes to a where a ≥ lo
/// (at the bound too), to lo where a < lo. `lo` is an expression: a constant such as `-1_c`,
/// or a tensor.
template <class A, class Lo>
requires detail::OperatorOperands<A, Lo>
constexpr auto clamp_min(const A& a, const Lo& lo) {
    return detail::binary_call<clamp_min_fn>(a, lo);
}
/// min(a, hi), elementwise (`torch.clamp(a, max=hi)`): the gradient passes to a where a ≤ hi,
/// to hi where a > hi.
template <class A, class Hi>
requires detail::OperatorOperands<A, Hi>
constexpr auto clamp_max(const A& a, const Hi& hi) {
    return detail::binary_call<clamp_max_fn>(a, hi);
}
/// min(max(a, lo), hi), elementwise (`torch.clamp(a, lo, hi)`): `clamp_max(clamp_min(a, lo),
/// hi)`. The gradient passes to a where lo ≤ a ≤ hi, bounds included, as in PyTorch; where
/// lo > hi the value is hi and a receives nothing, as in PyTorch.
template <class A, class Lo, class Hi>
requires detail::OperatorOperands<A, Lo> && detail::OperatorOperands<A, Hi>
constexpr auto clamp(const A& a, const Lo& lo, const Hi& hi) {
    return clamp_max(clamp_min(a, lo), hi);
}

template <>
struct derivative_rule<greater_fn> {
    static constexpr auto partial(auto, auto, auto, auto) { return zero_expr{}; }
};
template <>
struct derivative_rule<greater_equal_fn> {
    static constexpr auto partial(auto, auto, auto, auto) { return zero_expr{}; }
};
namespace detail {
/// ½([a > b] + [a ≥ b]): 1 where a > b, ½ where a = b, 0 below: a's share of the gradient of
/// the larger of a and b.
constexpr auto share_of_larger(auto a, auto b) {
    return simplify::mul(constant_expr<1, 2>{},
                         simplify::add(make_call<greater_fn>(a, b), make_call<greater_equal_fn>(a, b)));
}
}  // namespace detail
/// ∂max(a, b)/∂a = [a > b] + ½[a = b]; symmetrically for b.
template <>
struct derivative_rule<maximum_fn> {
    static constexpr auto partial(std::integral_constant<int, 0>, auto a, auto b, auto) {
        return detail::share_of_larger(a, b);
    }
    static constexpr auto partial(std::integral_constant<int, 1>, auto a, auto b, auto) {
        return detail::share_of_larger(b, a);
    }
};
/// ∂min(a, b)/∂a = [b > a] + ½[a = b]; symmetrically for b.
template <>
struct derivative_rule<minimum_fn> {
    static constexpr auto partial(std::integral_constant<int, 0>, auto a, auto b, auto) {
        return detail::share_of_larger(b, a);
    }
    static constexpr auto partial(std::integral_constant<int, 1>, auto a, auto b, auto) {
        return detail::share_of_larger(a, b);
    }
};
/// ∂clamp_min(a, lo)/∂a = [a ≥ lo] (the bound passes the gradient); ∂/∂lo = [lo > a].
template <>
struct derivative_rule<clamp_min_fn> {
    static constexpr auto partial(std::integral_constant<int, 0>, auto a, auto lo, auto) {
        return make_call<greater_equal_fn>(a, lo);
    }
    static constexpr auto partial(std::integral_constant<int, 1>, auto a, auto lo, auto) {
        return make_call<greater_fn>(lo, a);
    }
};
/// ∂clamp_max(a, hi)/∂a = [hi ≥ a]; ∂/∂hi = [a > hi].
template <>
struct derivative_rule<clamp_max_fn> {
    static constexpr auto partial(std::integral_constant<int, 0>, auto a, auto hi, auto) {
        return make_call<greater_equal_fn>(hi, a);
    }
    static constexpr auto partial(std::integral_constant<int, 1>, auto a, auto hi, auto) {
        return make_call<greater_fn>(a, hi);
    }
};

namespace detail {
/// `[a > b]` / `[a ≥ b]`: Iverson brackets, the masks of the derivatives above.
template <bool OrEqual>
struct print_comparison {
    template <class P, class E>
    static constexpr int precedence() {
        return P::p_atom;
    }
    template <class P, class E, class Buffer>
    static constexpr void print(Buffer& b) {
        b.append('[');
        P::template print<child_t<1, E>>(b);
        b.append(OrEqual ? (P::latex ? " \\geq " : " >= ") : " > ");
        P::template print<child_t<2, E>>(b);
        b.append(']');
    }
};
}  // namespace detail
template <>
struct print_impl<greater_fn> : detail::print_comparison<false> {};
template <>
struct print_impl<greater_equal_fn> : detail::print_comparison<true> {};

template <>
struct reference_impl<greater_fn> {
    static double apply(double a, double b) { return a > b ? 1.0 : 0.0; }
};
template <>
struct reference_impl<greater_equal_fn> {
    static double apply(double a, double b) { return a >= b ? 1.0 : 0.0; }
};
/// std::fmax drops a NaN; torch.maximum keeps it.
template <>
struct reference_impl<maximum_fn> {
    static double apply(double a, double b) { return std::isnan(a) || std::isnan(b) ? a + b : (a < b ? b : a); }
};
template <>
struct reference_impl<minimum_fn> {
    static double apply(double a, double b) { return std::isnan(a) || std::isnan(b) ? a + b : (b < a ? b : a); }
};
/// The values of `maximum` and `minimum` (torch.clamp_min/clamp_max with a NaN bound give NaN too).
template <>
struct reference_impl<clamp_min_fn> : reference_impl<maximum_fn> {};
template <>
struct reference_impl<clamp_max_fn> : reference_impl<minimum_fn> {};

}  // namespace ctgrad
