#pragma once
/// \file
/// Type-level questions about expressions that differentiation asks.

#include <type_traits>

#include "ctgrad/expr/leaves.hpp"
#include "ctgrad/expr/node.hpp"

namespace ctgrad::detail {

/// Does expression E contain the leaf expression V?
template <class E, class V>
struct depends_on : std::is_same<E, V> {};
template <expr_kind K, class... C, class V>
requires(K != expr_kind::terminal) struct depends_on<expr<K, hana::tuple<C...>>, V>
    : std::bool_constant<(depends_on<C, V>::value || ...)> {
};

template <class E, class V>
inline constexpr bool depends_on_v = depends_on<std::remove_cvref_t<E>, std::remove_cvref_t<V>>::value;

/// Kind and call-tag matching on types.
template <class E, expr_kind K>
inline constexpr bool is_kind_v = std::remove_cvref_t<E>::kind == K;

template <class E>
struct call_fn {
    using type = void;
};
template <class Fn, class... A>
struct call_fn<call<Fn, A...>> {
    using type = Fn;
};
template <class E>
using call_fn_t = typename call_fn<std::remove_cvref_t<E>>::type;

/// The number of arguments of a call node.
template <class E>
struct call_arity : std::integral_constant<std::size_t, 0> {};
template <class Fn, class... A>
struct call_arity<call<Fn, A...>> : std::integral_constant<std::size_t, sizeof...(A)> {};
template <class E>
inline constexpr std::size_t arity_v = call_arity<std::remove_cvref_t<E>>::value;

/// The I-th child of a node, as a value.
template <std::size_t I, class E>
constexpr auto child(const E& e) {
    return hana::at_c<I>(e.elements);
}

}  // namespace ctgrad::detail
