#pragma once
/// \file
/// The expression node: a Boost.YAP expression template whose children are held by value.
///
/// Every leaf of a ctgrad expression is an empty tag type (a variable, a compile-time constant,
/// a function tag), so an expression object carries no data and its *type* is its identity:
/// two subexpressions with the same type are the same computation. Differentiation builds types,
/// the lowering evaluates each distinct type once per element.

#include <boost/hana/tuple.hpp>
#include <boost/yap/algorithm.hpp>
#include <type_traits>
#include <utility>

namespace ctgrad {

namespace yap = boost::yap;
namespace hana = boost::hana;
using yap::expr_kind;

/// ctgrad's YAP expression template. Aggregates, copyable at compile time.
template <expr_kind Kind, class Tuple>
struct expr {
    static const expr_kind kind = Kind;
    Tuple elements;
};

namespace detail {
/// For `static_assert`s that must fire only when a template is instantiated.
template <class T>
inline constexpr bool always_false_v = false;

template <class T>
struct is_ctgrad_expr : std::false_type {};
template <expr_kind K, class T>
struct is_ctgrad_expr<expr<K, T>> : std::true_type {};
}  // namespace detail

/// Satisfied by ctgrad expressions (and nothing else).
template <class T>
concept Expression = detail::is_ctgrad_expr<std::remove_cvref_t<T>>::value;

/// A terminal holding the leaf value `Leaf` (an empty tag type).
template <class Leaf>
using terminal = expr<expr_kind::terminal, hana::tuple<Leaf>>;

/// A node of kind K over children held *by value* (never `expr_ref`; see docs/design.md).
template <expr_kind K, class... Children>
using node = expr<K, hana::tuple<Children...>>;

/// `f(args...)`: a YAP call node whose first child is the terminal of the function tag `Fn`.
template <class Fn, class... Args>
using call = expr<expr_kind::call, hana::tuple<terminal<Fn>, Args...>>;

/// Builds the node of kind K from copies of its children.
template <expr_kind K, Expression... Children>
constexpr auto make_node(const Children&...) {
    return node<K, std::remove_cvref_t<Children>...>{};
}

/// Builds `Fn(args...)`.
template <class Fn, Expression... Args>
constexpr auto make_call(const Args&...) {
    return call<Fn, std::remove_cvref_t<Args>...>{};
}

/// The leaf `Leaf` as a terminal expression.
template <class Leaf>
constexpr terminal<Leaf> make_terminal() {
    return {};
}

namespace detail {
template <class E>
struct leaf_of {};
template <class Leaf>
struct leaf_of<terminal<Leaf>> {
    using type = Leaf;
};
}  // namespace detail

/// The tag type held by a terminal expression.
template <class E>
using leaf_t = typename detail::leaf_of<std::remove_cvref_t<E>>::type;

}  // namespace ctgrad
