#pragma once
/// \file
/// The operands of operators and of functions of two expressions: an expression, or a plain
/// number refused with an explanation; shared by expr/operations.hpp and the ops/ headers.

#include <type_traits>

#include "ctgrad/expr/node.hpp"
#include "ctgrad/expr/shape.hpp"

namespace ctgrad {

namespace detail {
/// An operand of an operator: an expression, or a number we refuse with an explanation.
template <class T>
constexpr auto as_operand(const T& t) {
    if constexpr (Expression<T>) {
        (void)shape_of_t<T>{};  // shape errors surface here, near the user's line
        return t;
    } else {
        static_assert(always_false_v<T>,
                      "ctgrad: a plain number in an expression: write compile-time constants as "
                      "0.5_c or 2_c (using namespace ctgrad::literals), so the derivative stays exact");
        return zero_expr{};
    }
}

template <class L, class R>
concept OperatorOperands = (Expression<L> || Expression<R>)&&(Expression<L> ||
                                                              std::is_arithmetic_v<L>)&&(Expression<R> ||
                                                                                         std::is_arithmetic_v<R>);

template <expr_kind K, class L, class R>
constexpr auto binary(const L& l, const R& r) {
    auto a = as_operand(l);
    auto b = as_operand(r);
    auto n = make_node<K>(a, b);
    (void)shape_of_t<decltype(n)>{};
    return n;
}

/// Do the operands A and B (expressions, or a plain number refused by as_operand) have the same
/// shape? The cross-entropies ask it of their input and target, as PyTorch does: no broadcasting.
template <class A, class B>
inline constexpr bool same_shape_operands_v = [] {
    if constexpr (Expression<A> && Expression<B>)
        return std::is_same_v<shape_of_t<A>, shape_of_t<B>>;
    else
        return true;  // as_operand's message says what is wrong
}();

/// Are the axes of one of A and B among the other's? The regression losses ask it of their
/// input and target: they broadcast (a 1×1 target, a [k] target against [batch, k]), but a
/// target with an axis the input lacks (a name misspelt, `j` for `k`) would broadcast the loss
/// into a larger tensor, which PyTorch's sizes would have refused.
/// (By name: two axes of one name and other extents are the shape rule's "shape mismatch".)
template <class A, class... B>
constexpr bool name_among(axes<B...>) {
    return (... || (A::name.view() == B::name.view()));
}
template <class... A, class Bs>
constexpr bool names_within(axes<A...>, [[maybe_unused]] Bs bs) {
    return (name_among<A>(bs) && ...);
}
template <class A, class B>
inline constexpr bool nested_shape_operands_v = [] {
    if constexpr (Expression<A> && Expression<B>)
        return names_within(shape_of_t<A>{}, shape_of_t<B>{}) || names_within(shape_of_t<B>{}, shape_of_t<A>{});
    else
        return true;  // a plain number: as_operand's message says what is wrong
}();
}  // namespace detail

}  // namespace ctgrad
