#pragma once
/// \file
/// Type-level questions about expressions that differentiation asks (the node traits every
/// walker asks are in detail/node_traits.hpp).

#include <type_traits>

#include "ctgrad/detail/node_traits.hpp"
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

}  // namespace ctgrad::detail
