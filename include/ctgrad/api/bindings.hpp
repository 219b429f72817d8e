#pragma once
/// \file
/// Binding data to variables. Bindings are views: ctgrad never copies or owns the caller's
/// arrays. All data is row-major over the variable's axes.

#include <array>
#include <cstddef>
#include <ranges>
#include <type_traits>

#include "ctgrad/api/status.hpp"
#include "ctgrad/expr/leaves.hpp"
#include "ctgrad/expr/shape.hpp"

namespace ctgrad {

/// Data bound to the variable Var: a pointer, a length, and optionally the extents.
template <class Var, class T>
struct binding {
    using variable = Var;
    using value_type = T;
    static constexpr std::size_t rank = shape_of_t<Var>::rank;
    const T* data = nullptr;
    std::size_t size = 0;
    std::array<std::size_t, rank> shape{};
    bool has_shape = false;
};

namespace detail {
template <class T>
struct is_binding : std::false_type {};
template <class V, class T>
struct is_binding<binding<V, T>> : std::true_type {};

template <class V>
constexpr void check_bindable() {
    static_assert(Variable<V>, "ctgrad: bind(v, data): v must be a variable made by input<>() or parameter<>()");
}
}  // namespace detail

/// A binding, as made by `bind`.
template <class B>
concept Binding = detail::is_binding<std::remove_cvref_t<B>>::value;

/// Binds a contiguous range (std::vector, std::array, std::span...) to variable v.
/// Dynamic extents are deduced from the lengths where that is unambiguous.
/// (Forwarding references, so that ADL's std::bind never wins the overload.)
template <class V, class R>
requires(Expression<V>&& std::ranges::contiguous_range<R>) constexpr auto bind(V&&, R&& data) {
    detail::check_bindable<std::remove_cvref_t<V>>();
    using T = std::remove_cv_t<std::ranges::range_value_t<R>>;
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                  "ctgrad: bind float or double data (all bindings of one evaluation share the type)");
    return binding<std::remove_cvref_t<V>, T>{std::ranges::data(data), std::ranges::size(data), {}, false};
}

/// Binds data with explicit extents, one per axis of v: `bind(x, ptr, {B, N})`.
template <class V, class T>
requires Expression<V>
constexpr auto bind(V&&, const T* data, const std::array<std::size_t, shape_of_t<V>::rank>& shape) {
    detail::check_bindable<std::remove_cvref_t<V>>();
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                  "ctgrad: bind float or double data (all bindings of one evaluation share the type)");
    std::size_t n = 1;
    for (auto e : shape)
        n *= e;
    return binding<std::remove_cvref_t<V>, T>{data, n, shape, true};
}

}  // namespace ctgrad
