#pragma once
/// \file
/// Named axes and shapes. Every array in ctgrad has named axes: `x` is [batch, n], `w` is
/// [k, n]. Broadcasting and contraction are decided by names, checked at compile time.

#include <cstddef>
#include <limits>
#include <type_traits>

#include "ctgrad/expr/fixed_string.hpp"

namespace ctgrad {

/// The extent of an axis that is only known when data is bound.
inline constexpr std::size_t dynamic_extent = std::numeric_limits<std::size_t>::max();

/// An axis: a name and an extent, either a compile-time number or `dynamic_extent`.
/// Declare each axis once and reuse the object: `constexpr axis<"n", 10> n;`.
template <fixed_string Name, std::size_t Extent = dynamic_extent>
struct axis {
    static constexpr auto name = Name;
    static constexpr std::size_t extent = Extent;
    static constexpr bool is_static = Extent != dynamic_extent;
};

/// The batch axis (samples, PyTorch's first dimension). Its extent is always known at run time.
using batch_axis = axis<"batch">;
inline constexpr batch_axis batch{};

/// A list of axes: the shape of an expression. Scalars have `axes<>`.
template <class... A>
struct axes {
    static constexpr std::size_t rank = sizeof...(A);
};

namespace detail {

template <class T>
struct is_axis : std::false_type {};
template <fixed_string N, std::size_t E>
struct is_axis<axis<N, E>> : std::true_type {};

template <class A, class B>
inline constexpr bool same_name_v = A::name.view() == B::name.view();

/// Is axis A in the list L?
template <class A, class L>
struct contains;
template <class A, class... Bs>
struct contains<A, axes<Bs...>> : std::bool_constant<(std::is_same_v<A, Bs> || ...)> {};
template <class A, class L>
inline constexpr bool contains_v = contains<A, L>::value;

/// Two axes with the same name must be the same axis (same extent).
template <class A, class B>
inline constexpr bool compatible_v = !same_name_v<A, B> || std::is_same_v<A, B>;

template <class L, class A>
struct push_back;
template <class... As, class A>
struct push_back<axes<As...>, A> {
    using type = axes<As..., A>;
};

template <class L, class A>
struct push_front;
template <class... As, class A>
struct push_front<axes<As...>, A> {
    using type = axes<A, As...>;
};

/// Append the axes of R that L lacks.
template <class L, class R>
struct union_axes;
template <class L>
struct union_axes<L, axes<>> {
    using type = L;
};
template <class L, class R0, class... Rs>
struct union_axes<L, axes<R0, Rs...>> {
    using next = std::conditional_t<contains_v<R0, L>, L, typename push_back<L, R0>::type>;
    using type = typename union_axes<next, axes<Rs...>>::type;
};

/// The axes of several lists, in order (duplicates kept).
template <class... Ls>
struct concat {
    using type = axes<>;
};
template <class... As>
struct concat<axes<As...>> {
    using type = axes<As...>;
};
template <class... As, class... Bs, class... Rest>
struct concat<axes<As...>, axes<Bs...>, Rest...> {
    using type = typename concat<axes<As..., Bs...>, Rest...>::type;
};

/// Put the batch axis first, keep the order of the others.
template <class L>
struct batch_first;
template <class... As>
struct batch_first<axes<As...>> {
    using rest = typename concat<std::conditional_t<std::is_same_v<As, batch_axis>, axes<>, axes<As>>...>::type;
    using type =
        std::conditional_t<contains_v<batch_axis, axes<As...>>, typename push_front<rest, batch_axis>::type, rest>;
};

/// Remove from L the axes in R.
template <class L, class R>
struct minus_axes;
template <class... Ls, class R>
struct minus_axes<axes<Ls...>, R> {
    using type = typename concat<std::conditional_t<contains_v<Ls, R>, axes<>, axes<Ls>>...>::type;
};

/// No two axes of L and R share a name with different extents.
template <class A, class R>
struct compatible_with_all;
template <class A, class... Rs>
struct compatible_with_all<A, axes<Rs...>> : std::bool_constant<(compatible_v<A, Rs> && ...)> {};
template <class L, class R>
struct all_compatible;
template <class... Ls, class R>
struct all_compatible<axes<Ls...>, R> : std::bool_constant<(compatible_with_all<Ls, R>::value && ...)> {};

template <class L, class R>
inline constexpr bool same_set_v =
    std::is_same_v<typename minus_axes<L, R>::type, axes<>>&& std::is_same_v<typename minus_axes<R, L>::type, axes<>>;

}  // namespace detail

/// The broadcast of two shapes: every axis of either, the batch axis first.
template <class L, class R>
using broadcast_t = typename detail::batch_first<typename detail::union_axes<L, R>::type>::type;

/// L without the axes of R.
template <class L, class R>
using axes_minus_t = typename detail::minus_axes<L, R>::type;

}  // namespace ctgrad
