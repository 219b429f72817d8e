#pragma once
/// \file
/// `abs(a)` and `sign(a)`, elementwise (tags `abs_fn`, `sign_fn`): their derivative rules and
/// reference formulas. abs' = sign, with sign(0) = 0: PyTorch's subgradient (torch.abs's
/// backward is grad · sgn(a)), so an L1 loss passes no gradient where its residual is 0.
/// The SIMD kernels are in lower/elementwise.hpp (the symbolic side never includes xsimd).

#include <cmath>

#include "ctgrad/diff/rules.hpp"
#include "ctgrad/expr/node.hpp"
#include "ctgrad/ops/tables.hpp"

namespace ctgrad {

/// The sign of a, elementwise: 1, −1, or 0 at 0 (`torch.sign`; NaN gives 0 as in PyTorch 1.13).
struct sign_fn {
    static constexpr bool elementwise = true;
    static constexpr const char* text_name = "sign";
    static constexpr const char* latex_name = "\\operatorname{sign}";
};
/// |a|, elementwise (`torch.abs`).
struct abs_fn {
    static constexpr bool elementwise = true;
    static constexpr const char* text_name = "abs";
    static constexpr const char* latex_name = "\\operatorname{abs}";
};

/// 1 where a > 0, −1 where a < 0, 0 at 0 (and for NaN, as torch.sign in PyTorch 1.13),
/// elementwise. Its derivative is 0; it is the derivative of `abs`.
template <Expression A>
constexpr auto sign(const A& a) {
    return make_call<sign_fn>(a);
}
/// |a|, elementwise (`torch.abs`). Its derivative is `sign(a)`: 0 at a = 0, as PyTorch's.
template <Expression A>
constexpr auto abs(const A& a) {
    return make_call<abs_fn>(a);
}

/// sign' = 0 (almost everywhere; PyTorch's too).
template <>
struct derivative_rule<sign_fn> {
    static constexpr auto local(auto, auto) { return zero_expr{}; }
};
/// abs'(a) = sign(a), 0 at 0.
template <>
struct derivative_rule<abs_fn> {
    static constexpr auto local(auto a, auto) { return make_call<sign_fn>(a); }
};

template <>
struct reference_impl<sign_fn> {
    static double apply(double a) { return a > 0 ? 1.0 : (a < 0 ? -1.0 : 0.0); }
};
template <>
struct reference_impl<abs_fn> {
    static double apply(double a) { return std::fabs(a); }
};

}  // namespace ctgrad
