#pragma once
/// \file
/// The tables every kind of call node is looked up in, declared in one place, in the manner of
/// Hana's `xxx_impl<Tag, when<...>>`: an operation joins by specialising each table for its
/// function tag, in one header per operation (ctgrad/ops/*.hpp); elementwise functions are
/// served by one generic specialisation per table (`when<ElementwiseFunction<Fn>>`) and their
/// own `derivative_rule` and `reference_impl`. A table an operation does not specialise falls
/// to its `default_`, which stops compilation with a ctgrad message naming the missing piece:
/// a forgotten case is a compile error, never a wrong answer. See docs/design.md, "How to add
/// an operation".
///
/// - `shape_impl<Fn>::apply<ArgShapes...>::type`: the shape of `Fn(args...)` (expr/shape.hpp);
/// - `derivative_impl<Fn>::apply<Ctx>(e, seed, v)`: its contribution to ∂L/∂v (diff/backprop.hpp);
/// - `print_impl<Fn>::print<P, E>(b)` and `precedence<P, E>()`: its text and LaTeX (print/printer.hpp);
/// - `reference_impl<Fn>::apply(e, ev)` (or `apply(double...)` for an elementwise function): its
///   value in double, from `std::` formulas (reference/evaluate.hpp).

#include <boost/hana/core/when.hpp>

#include "ctgrad/expr/functions.hpp"
#include "ctgrad/expr/node.hpp"

namespace ctgrad {

namespace detail {
/// Reverse-mode differentiation (diff/backprop.hpp), declared for the derivative rules.
template <class Ctx, class E, class S, class V>
constexpr auto backprop(const E& e, const S& seed, const V& v);
}  // namespace detail

/// The shape rule of the operation Fn. Specialise for a new operation.
template <class Fn, class = void>
struct shape_impl : shape_impl<Fn, hana::when<true>> {};
template <class Fn, bool Condition>
struct shape_impl<Fn, hana::when<Condition>> {
    static_assert(detail::always_false_v<Fn>,
                  "ctgrad: this operation has no shape rule: specialise ctgrad::shape_impl<Fn> in its header "
                  "(docs/design.md, How to add an operation)");
};

/// The derivative rule of the (non-elementwise) operation Fn. Specialise for a new operation;
/// an elementwise function specialises `derivative_rule` instead (diff/rules.hpp).
template <class Fn, class = void>
struct derivative_impl : derivative_impl<Fn, hana::when<true>> {};
template <class Fn, bool Condition>
struct derivative_impl<Fn, hana::when<Condition>> {
    static_assert(detail::always_false_v<Fn>,
                  "ctgrad: this operation has no derivative: specialise ctgrad::derivative_impl<Fn> in its header "
                  "(docs/design.md, How to add an operation)");
};

/// How the operation Fn prints. Specialise for a new operation; an elementwise function with
/// `text_name` and `latex_name` prints as `f(a)` without one.
template <class Fn, class = void>
struct print_impl : print_impl<Fn, hana::when<true>> {};
template <class Fn, bool Condition>
struct print_impl<Fn, hana::when<Condition>> {
    static_assert(detail::always_false_v<Fn>,
                  "ctgrad: this operation cannot be printed: give its tag text_name and latex_name (elementwise) or "
                  "specialise ctgrad::print_impl<Fn> in its header (docs/design.md, How to add an operation)");
};

/// The reference (double, `std::`) evaluation of the operation Fn. Specialise for a new
/// operation: `static double apply(double...)` for an elementwise function,
/// `static auto apply(const E& e, const Ev& ev)` otherwise.
template <class Fn, class = void>
struct reference_impl : reference_impl<Fn, hana::when<true>> {};
template <class Fn, bool Condition>
struct reference_impl<Fn, hana::when<Condition>> {
    static_assert(detail::always_false_v<Fn>,
                  "ctgrad: this operation has no reference evaluation: specialise ctgrad::reference_impl<Fn> "
                  "(docs/design.md, How to add an operation)");
};

}  // namespace ctgrad
