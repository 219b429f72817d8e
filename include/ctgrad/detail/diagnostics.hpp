#pragma once
/// \file
/// Compile-time diagnostics that name the user's variables. A static_assert message is a
/// fixed string, so the name travels in a type instead: the error's context shows
/// `the_variable_named<'b'>`, which g++ and clang both print as characters.

#include <cstddef>
#include <utility>

#include "ctgrad/expr/leaves.hpp"

namespace ctgrad::detail {

/// A variable's name, one character per template argument (shown in diagnostics).
template <char... C>
struct the_variable_named {};

template <class Var>
struct spelled;
template <class Leaf>
struct spelled<terminal<Leaf>> {
    template <std::size_t... I>
    static auto of(std::index_sequence<I...>) -> the_variable_named<Leaf::name.chars[I]...>;
    using type = decltype(of(std::make_index_sequence<Leaf::name.size()>{}));
};
/// `the_variable_named<'w', '1'>` for the variable w1.
template <class Var>
using spelled_t = typename spelled<Var>::type;

template <class Name>
inline constexpr bool never_v = false;

/// Instantiated (with the name spelled out) only when a variable of the loss has no binding.
template <class Name>
struct variable_left_unbound {
    static_assert(never_v<Name>,
                  "ctgrad: a variable of the loss is left unbound: pass bind(v, data) for it (its name is spelled "
                  "out in this error's context: the_variable_named<...>)");
};
/// Instantiated only when a variable is bound twice.
template <class Name>
struct variable_bound_twice {
    static_assert(never_v<Name>,
                  "ctgrad: a variable is bound twice (its name is spelled out in this error's context: "
                  "the_variable_named<...>)");
};
/// Instantiated only when a binding names a variable the loss does not have.
template <class Name>
struct variable_not_in_loss {
    static_assert(never_v<Name>,
                  "ctgrad: a bound variable does not occur in the loss (its name is spelled out in this error's "
                  "context: the_variable_named<...>)");
};

}  // namespace ctgrad::detail
