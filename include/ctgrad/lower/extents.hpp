#pragma once
/// \file
/// From bindings to a consistent run-time state: each variable's data, each axis's extent.
/// Static extents are checked, dynamic ones deduced from explicit shapes and from lengths.

#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "ctgrad/detail/type_list.hpp"
#include "ctgrad/lower/bindings.hpp"
#include "ctgrad/lower/plan.hpp"
#include "ctgrad/lower/simd.hpp"

namespace ctgrad::detail {
inline namespace CTGRAD_ISA_NAMESPACE {  // compiled per instruction set, like the kernels

/// Run-time state of one evaluation: data of each variable and extent of each axis.
template <class T, class Vars, class Axes>
struct bound_state {
    std::array<const T*, Vars::size> data{};
    std::array<std::size_t, Axes::size> extent{};

    template <class Var>
    const T* data_of() const {
        return data[tl_index_v<Vars, Var>];
    }
    /// The extent of Axis: a compile-time constant for static axes, so that kernels fold it.
    template <class Axis>
    std::size_t extent_of() const {
        if constexpr (Axis::is_static)
            return Axis::extent;
        else
            return extent[tl_index_v<Axes, Axis>];
    }
    template <class... A>
    std::size_t size_of(axes<A...>) const {
        return (std::size_t{1} * ... * extent_of<A>());
    }
};

template <class Var>
constexpr std::string_view name_of() {
    return leaf_t<Var>::name.view();
}

template <class... A>
constexpr type_list<A...> as_type_list(axes<A...>) {
    return {};
}

template <class Var, class... B>
inline constexpr std::size_t binding_count_v = (std::size_t{0} + ... + std::is_same_v<typename B::variable, Var>);

template <class Vars, class... B>
struct binding_checks;
template <class... Vars, class... B>
struct binding_checks<type_list<Vars...>, B...> {
    static constexpr bool all_bound = ((binding_count_v<Vars, B...> >= 1) && ...);
    static constexpr bool none_twice = ((binding_count_v<Vars, B...> <= 1) && ...);
    static constexpr bool none_extra = (tl_contains_v<type_list<Vars...>, typename B::variable> && ...);
};

template <class... A>
struct first_dynamic_axis {
    using type = void;
};
template <class A0, class... A>
struct first_dynamic_axis<A0, A...> {
    using type = std::conditional_t<A0::is_static, typename first_dynamic_axis<A...>::type, A0>;
};

/// Whether a shape has exactly one dynamic axis; if so, which, and the product of the others.
template <class Shape>
struct single_dynamic_axis {
    static constexpr bool found = false;
};
template <class... A>
requires((!A::is_static + ... + 0) == 1) struct single_dynamic_axis<axes<A...>> {
    static constexpr bool found = true;
    using axis = typename first_dynamic_axis<A...>::type;
    static constexpr std::size_t static_product = (std::size_t{1} * ... * (A::is_static ? A::extent : 1));
};

/// Whether the dynamic axis A is the only dynamic axis of some variable among Vars, with
/// non-zero static extents beside it: then that variable's length always determines A.
template <class A, class... Vars>
inline constexpr bool determined_by_a_length_v = ([] {
    using one = single_dynamic_axis<shape_of_t<Vars>>;
    if constexpr (one::found)
        return std::is_same_v<typename one::axis, A> && one::static_product != 0;
    else
        return false;
}() || ...);

/// Whether every axis is static or determined by a length: then no extent is ever left to
/// deduce after the first two steps of resolve_bindings, whatever the explicit shapes.
template <class Axes, class... Vars>
struct extents_always_known;
template <class... A, class... Vars>
struct extents_always_known<type_list<A...>, Vars...>
    : std::bool_constant<((A::is_static || determined_by_a_length_v<A, Vars...>)&&...)> {};

/// Where validation reports a problem: `first_error` keeps the first one for the message,
/// `any_error` only notes that there is one. Every call validates with `any_error` (no status
/// is built on the way); only a call that fails validates again with `first_error`.
struct first_error {
    status err{};
    void operator()(const status& s) {
        if (err.ok())
            err = s;
    }
    bool ok() const { return err.ok(); }
};
struct any_error {
    bool failed = false;
    void operator()(const status&) { failed = true; }
    bool ok() const { return !failed; }
};

/// Fills `st` from the bindings, reporting what is wrong with them to `fail` (see above).
template <class Vars, class Axes, class T, class Errors, class... B>
void resolve_bindings(bound_state<T, Vars, Axes>& st, const std::tuple<B&...>& bindings, Errors& fail) {
    using axes_list = Axes;
    using vars = Vars;
    using checks = binding_checks<vars, std::remove_cvref_t<B>...>;
    static_assert(checks::all_bound, "ctgrad: a variable of the loss is left unbound: pass bind(v, data) for it");
    static_assert(checks::none_twice, "ctgrad: a variable is bound twice");
    static_assert(checks::none_extra, "ctgrad: a bound variable does not occur in the loss");
    if constexpr (checks::all_bound && checks::none_twice && checks::none_extra) {  // else: said above
        std::array<bool, axes_list::size> known{};
        // Static extents first.
        tl_for_each(axes_list{}, [&](auto a, auto i) {
            using A = typename decltype(a)::type;
            if constexpr (A::is_static) {
                st.extent[decltype(i)::value] = A::extent;
                known[decltype(i)::value] = true;
            }
        });
        // Pointers, explicit shapes.
        std::apply(
            [&](auto&... b) {
                (([&](auto& bi) {
                     using Bi = std::remove_cvref_t<decltype(bi)>;
                     using Var = typename Bi::variable;
                     st.data[tl_index_v<vars, Var>] = bi.data;
                     if (bi.data == nullptr && bi.size != 0)
                         fail({errc::null_data, name_of<Var>(), {}, 0, bi.size});
                     if (bi.has_shape) {
                         std::size_t k = 0;
                         tl_for_each(as_type_list(shape_of_t<Var>{}), [&](auto a, auto) {
                             using A = typename decltype(a)::type;
                             constexpr std::size_t ai = tl_index_v<axes_list, A>;
                             if (known[ai] && st.extent[ai] != bi.shape[k])
                                 fail({errc::extent_conflict, name_of<Var>(), A::name.view(), st.extent[ai],
                                       bi.shape[k]});
                             st.extent[ai] = bi.shape[k];
                             known[ai] = true;
                             ++k;
                         });
                     }
                 }(b)),
                 ...);
            },
            bindings);
        // Axis `ai` of Var is the only unknown one, the others' extents multiply to `product`
        // (non-zero): the binding's length determines it, or is not a multiple of the product.
        auto determine = [&](std::string_view var, std::size_t size, std::size_t product, std::size_t ai) {
            if (size % product != 0)
                fail({errc::size_mismatch, var, {}, product * ((size + product - 1) / product), size});
            st.extent[ai] = size / product;
            known[ai] = true;
        };
        // A variable with one dynamic axis determines it by a division by a compile-time
        // constant (the product of its static extents): the common case, kept cheap.
        std::apply(
            [&](auto&... b) {
                (([&](auto& bi) {
                     using Var = typename std::remove_cvref_t<decltype(bi)>::variable;
                     using one = single_dynamic_axis<shape_of_t<Var>>;
                     if constexpr (one::found) {
                         constexpr std::size_t ai = tl_index_v<axes_list, typename one::axis>;
                         if (one::static_product != 0 && !known[ai])
                             determine(name_of<Var>(), bi.size, one::static_product, ai);
                     }
                 }(b)),
                 ...);
            },
            bindings);
        // Deduce the remaining extents from lengths, repeatedly (when the model can need it).
        if constexpr (!extents_always_known<axes_list, typename std::remove_cvref_t<B>::variable...>::value) {
            auto all_known = [&] { return std::all_of(known.begin(), known.end(), [](bool k) { return k; }); };
            for (bool progress = true; progress && fail.ok() && !all_known();) {
                progress = false;
                std::apply(
                    [&](auto&... b) {
                        (([&](auto& bi) {
                             using Var = typename std::remove_cvref_t<decltype(bi)>::variable;
                             std::size_t product = 1, unknown = 0, which = 0;
                             tl_for_each(as_type_list(shape_of_t<Var>{}), [&](auto a, auto) {
                                 constexpr std::size_t ai = tl_index_v<axes_list, typename decltype(a)::type>;
                                 if (known[ai])
                                     product *= st.extent[ai];
                                 else {
                                     ++unknown;
                                     which = ai;
                                 }
                             });
                             if (unknown == 1 && product != 0) {
                                 determine(name_of<Var>(), bi.size, product, which);
                                 progress = true;
                             }
                         }(b)),
                         ...);
                    },
                    bindings);
            }
            if (!fail.ok())
                return;
            // Every extent known.
            tl_for_each(axes_list{}, [&](auto a, auto i) {
                if (!known[decltype(i)::value]) {
                    std::string_view owner{};
                    using Axis = typename decltype(a)::type;
                    std::apply(
                        [&](auto&... b) {
                            (([&](auto& bi) {
                                 using Var = typename std::remove_cvref_t<decltype(bi)>::variable;
                                 if (owner.empty() && contains_v<Axis, shape_of_t<Var>>)
                                     owner = name_of<Var>();
                             }(b)),
                             ...);
                        },
                        bindings);
                    fail({errc::unresolved_extent, owner, decltype(a)::type::name.view(), 0, 0});
                }
            });
        }
        if (!fail.ok())
            return;
        // Every length right.
        std::apply(
            [&](auto&... b) {
                (([&](auto& bi) {
                     using Var = typename std::remove_cvref_t<decltype(bi)>::variable;
                     const std::size_t need = st.size_of(shape_of_t<Var>{});
                     if (bi.size != need)
                         fail({errc::size_mismatch, name_of<Var>(), {}, need, bi.size});
                 }(b)),
                 ...);
            },
            bindings);
    }
}

/// Fills `st` from the bindings, or says what is wrong with them.
template <class Vars, class Axes, class T, class... B>
status resolve_bindings(bound_state<T, Vars, Axes>& st, const std::tuple<B&...>& bindings) {
    first_error errors;
    resolve_bindings<Vars, Axes>(st, bindings, errors);
    return errors.err;
}

/// Checks that the variable Y bound in `st` holds class indices along Classes: integers
/// 0..K-1 (what `one_hot(y, classes)` needs). NaN, fractions and negatives are refused.
template <class Classes, class Y, class State>
status check_class_indices(const State& st) {
    const std::size_t count = st.size_of(shape_of_t<Y>{});
    const std::size_t classes = st.template extent_of<Classes>();
    const auto* y = st.template data_of<Y>();
    for (std::size_t i = 0; i < count; ++i) {
        const auto v = y[i];
        const bool index = v >= 0 && v < static_cast<decltype(v)>(classes) &&
                           v == static_cast<decltype(v)>(static_cast<std::size_t>(v));
        if (!index)
            return {errc::class_index, name_of<Y>(), Classes::name.view(), classes, i};
    }
    return {};
}

}  // namespace CTGRAD_ISA_NAMESPACE
}  // namespace ctgrad::detail
