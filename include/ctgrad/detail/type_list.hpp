#pragma once
/// \file
/// A minimal type list for the lowering's compile-time bookkeeping (cheaper to compile than
/// Hana's heterogeneous sequences for pure type computation).

#include <cstddef>
#include <type_traits>
#include <utility>

namespace ctgrad::detail {

template <class... Ts>
struct type_list {
    static constexpr std::size_t size = sizeof...(Ts);
};

template <class L, class T>
struct tl_contains;
template <class... Ts, class T>
struct tl_contains<type_list<Ts...>, T> : std::bool_constant<(std::is_same_v<Ts, T> || ...)> {};
template <class L, class T>
inline constexpr bool tl_contains_v = tl_contains<L, T>::value;

template <class L, class T>
struct tl_push_unique;
template <class... Ts, class T>
struct tl_push_unique<type_list<Ts...>, T> {
    using type = std::conditional_t<(std::is_same_v<Ts, T> || ...), type_list<Ts...>, type_list<Ts..., T>>;
};
template <class L, class T>
using tl_push_unique_t = typename tl_push_unique<L, T>::type;

template <class L, class... Ts>
struct tl_push_all_unique {
    using type = L;
};
template <class L, class T, class... Ts>
struct tl_push_all_unique<L, T, Ts...> {
    using type = typename tl_push_all_unique<tl_push_unique_t<L, T>, Ts...>::type;
};

/// Position of T in L (L must contain T).
template <class L, class T>
struct tl_index;
template <class T, class... Ts>
struct tl_index<type_list<T, Ts...>, T> : std::integral_constant<std::size_t, 0> {};
template <class U, class... Ts, class T>
struct tl_index<type_list<U, Ts...>, T>
    : std::integral_constant<std::size_t, 1 + tl_index<type_list<Ts...>, T>::value> {};
template <class L, class T>
inline constexpr std::size_t tl_index_v = tl_index<L, T>::value;

/// The first type of a non-empty list.
template <class L>
struct tl_first;
template <class T, class... Ts>
struct tl_first<type_list<T, Ts...>> {
    using type = T;
};

/// L followed by M (tl_concat), several lists in order (tl_concat_all).
template <class L, class M>
struct tl_concat;
template <class... A, class... B>
struct tl_concat<type_list<A...>, type_list<B...>> {
    using type = type_list<A..., B...>;
};
template <class... Ls>
struct tl_concat_all {
    using type = type_list<>;
};
template <class L0, class... Ls>
struct tl_concat_all<L0, Ls...> {
    using type = typename tl_concat<L0, typename tl_concat_all<Ls...>::type>::type;
};
/// The types T of L, in order, for which Keep<T>::value holds.
template <template <class> class Keep, class L>
struct tl_filter;
template <template <class> class Keep, class... Ts>
struct tl_filter<Keep, type_list<Ts...>> {
    using type = typename tl_concat_all<std::conditional_t<Keep<Ts>::value, type_list<Ts>, type_list<>>...>::type;
};
/// L without repeated types, in order of first appearance.
template <class L>
struct unique_list;
template <class... T>
struct unique_list<type_list<T...>> {
    using type = typename tl_push_all_unique<type_list<>, T...>::type;
};

/// The type at position I of L.
template <class L, std::size_t I>
struct tl_at;
template <class T, class... Ts>
struct tl_at<type_list<T, Ts...>, 0> {
    using type = T;
};
template <class T, class... Ts, std::size_t I>
struct tl_at<type_list<T, Ts...>, I> : tl_at<type_list<Ts...>, I - 1> {};
template <class L, std::size_t I>
using tl_at_t = typename tl_at<L, I>::type;

/// Calls f(std::type_identity<T>{}, std::integral_constant<size_t, I>{}) for each T at I.
template <class... Ts, class F>
constexpr void tl_for_each(type_list<Ts...>, F&& f) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (f(std::type_identity<Ts>{}, std::integral_constant<std::size_t, I>{}), ...);
    }
    (std::index_sequence_for<Ts...>{});
}

}  // namespace ctgrad::detail
