#pragma once
/// \file
/// `grad(L, v)`: the derivative of a scalar expression with respect to a variable, as a new
/// expression type, computed entirely at compile time.

#include "ctgrad/diff/backprop.hpp"
#include "ctgrad/expr/leaves.hpp"
#include "ctgrad/expr/shape.hpp"

namespace ctgrad {

/// ∂L/∂v as an expression with the shape of v, built by the rules of diff/backprop.hpp and
/// simplified. A variable absent from L gives the compile-time zero `zero_expr`.
///
/// For the lecture's E = ½·Σ(σ(x·wᵀ) − t)², `grad(E, w)` is the type of
/// `matmul(transpose((o - t) * o * (1_c - o)), x)`: per element (O − t)·O·(1 − O)·x_j.
template <Expression L, Expression V>
constexpr auto grad(const L& loss, const V& v) {
    static_assert(
        Variable<V>,
        "ctgrad: grad(loss, v): v must be a variable made by input<\"name\">(...) or parameter<\"name\">(...)");
    static_assert(rank_v<L> == 0,
                  "ctgrad: grad(loss, v) needs a scalar loss: reduce it first with sum(...) or mean(...)");
    return detail::backprop<axes<>>(loss, one_expr{}, v);
}

/// The type of `grad(L{}, V{})`.
template <class L, class V>
using grad_t = decltype(grad(L{}, V{}));

}  // namespace ctgrad
