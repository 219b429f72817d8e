#pragma once
/// \file
/// Node traits: the type-level questions every walker asks of an expression node (its kind,
/// its call tag, its children, which operation it is) and of a shape (its k-th axis), written
/// once here. Do not rely on anything here from outside ctgrad.

#include <cstddef>
#include <type_traits>

#include "ctgrad/expr/axis.hpp"
#include "ctgrad/expr/functions.hpp"
#include "ctgrad/expr/node.hpp"

namespace ctgrad::detail {

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
/// The function tag of a call node (void for any other node).
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
/// Its type.
template <std::size_t I, class E>
using child_t = std::remove_cvref_t<decltype(hana::at_c<I>(std::declval<const E&>().elements))>;

/// Which operation a function tag is.
template <class Fn>
inline constexpr bool is_one_hot_v = false;
template <class C>
inline constexpr bool is_one_hot_v<one_hot_fn<C>> = true;
template <class Fn>
inline constexpr bool is_logsumexp_v = false;
template <class O>
inline constexpr bool is_logsumexp_v<logsumexp_fn<O>> = true;

/// The axes a `reduce_sum_fn` sums over; void for any other tag (so that two sums over the same
/// axes compare equal and nothing else does).
template <class Fn>
struct reduce_sum_axes {
    using type = void;
};
template <class Over>
struct reduce_sum_axes<reduce_sum_fn<Over>> {
    using type = Over;
};
template <class Fn>
using reduce_sum_axes_t = typename reduce_sum_axes<Fn>::type;

/// The exponent N of `pow_fn<N>`; `is_pow_v` says whether a tag is one.
template <class Fn>
inline constexpr bool is_pow_v = false;
template <int N>
inline constexpr bool is_pow_v<pow_fn<N>> = true;

namespace shape_traits {
/// The I-th axis of the shape `Shape` (an `axes<...>`), void when I is out of range.
template <class Shape, std::size_t I>
struct axis_at {
    using type = void;
};
template <class A0, class... As>
struct axis_at<axes<A0, As...>, 0> {
    using type = A0;
};
template <class A0, class... As, std::size_t I>
requires(I > 0) struct axis_at<axes<A0, As...>, I> {
    using type = typename axis_at<axes<As...>, I - 1>::type;
};
template <class Shape, std::size_t I>
using axis_at_t = typename axis_at<Shape, I>::type;

/// The last axis of a shape, void for a scalar.
template <class Shape>
using last_axis_t = axis_at_t<Shape, (Shape::rank > 0 ? Shape::rank - 1 : 0)>;
}  // namespace shape_traits

}  // namespace ctgrad::detail
