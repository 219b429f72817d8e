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
#include "ctgrad/api/status.hpp"
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

/// Where bindings B... fail to be one per variable of Vars: the first variable left unbound,
/// bound twice, and the first binding of a variable not in Vars (each `size` when none).
template <class... Vars, class... B>
constexpr std::array<std::size_t, 3> binding_faults(type_list<Vars...>, type_list<B...>) {
    constexpr std::array<std::size_t, sizeof...(Vars) + 1> count{binding_count_v<Vars, B...>...};
    constexpr std::array<bool, sizeof...(B) + 1> extra{!tl_contains_v<type_list<Vars...>, typename B::variable>...};
    auto first = [](const auto& a, auto bad) {
        for (std::size_t i = 0; i + 1 < a.size(); ++i)
            if (bad(a[i]))
                return i;
        return a.size() - 1;
    };
    return {first(count, [](std::size_t c) { return c == 0; }), first(count, [](std::size_t c) { return c > 1; }),
            first(extra, [](bool e) { return e; })};
}

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
    static constexpr bool explains = true;  // keeps what the messages need
    status err{};
    void operator()(const status& s) {
        if (err.ok())
            err = s;
    }
    bool ok() const { return err.ok(); }
};
struct any_error {
    static constexpr bool explains = false;  // a good call's check: nothing kept for messages
    bool failed = false;
    void operator()(const status&) { failed = true; }
    bool ok() const { return !failed; }
};

/// Resolves the extents of one call's bindings into `st`, step by step, reporting what is wrong
/// to `fail` (see above). Remembers which binding fixed each extent, for the messages.
template <class Vars, class Axes, class T, class Errors, class... B>
struct extent_resolver {
    bound_state<T, Vars, Axes>& st;
    const std::tuple<B&...>& bindings;
    Errors& fail;
    std::array<bool, Axes::size> known{};
    std::array<std::string_view, Axes::size> origin{};  // the variable whose binding fixed it
                                                        // (kept only when Errors::explains)

    template <class F>
    void each_binding(F&& f) const {
        std::apply([&](auto&... b) { (f(b), ...); }, bindings);
    }
    template <class Bi>
    using var_of = typename std::remove_cvref_t<Bi>::variable;

    /// Static extents, then each binding's pointer and explicit shape.
    void read_bindings() {
        tl_for_each(Axes{}, [&](auto a, auto i) {
            using A = typename decltype(a)::type;
            if constexpr (A::is_static) {
                st.extent[decltype(i)::value] = A::extent;
                known[decltype(i)::value] = true;
            }
        });
        each_binding([&](auto& bi) {
            using Var = var_of<decltype(bi)>;
            st.data[tl_index_v<Vars, Var>] = bi.data;
            if (bi.data == nullptr && bi.size != 0)
                fail({errc::null_data, name_of<Var>(), {}, 0, bi.size});
            if (bi.has_shape)
                read_shape<Var>(bi.shape);
        });
    }
    template <class Var, class Shape>
    void read_shape(const Shape& shape) {
        std::size_t k = 0;
        tl_for_each(as_type_list(shape_of_t<Var>{}), [&](auto a, auto) {
            using A = typename decltype(a)::type;
            constexpr std::size_t ai = tl_index_v<Axes, A>;
            if (known[ai] && st.extent[ai] != shape[k])
                fail({errc::extent_conflict, name_of<Var>(), A::name.view(), st.extent[ai], shape[k]});
            set(ai, shape[k], name_of<Var>());
            ++k;
        });
    }
    void set(std::size_t ai, std::size_t extent, std::string_view from) {
        st.extent[ai] = extent;
        known[ai] = true;
        if constexpr (Errors::explains)
            origin[ai] = from;
    }

    /// Axis `ai` of `var` is its only unknown one, the others' extents multiply to `product`
    /// (non-zero): the binding's length determines it, or is not a multiple of the product.
    void determine(std::string_view var, std::size_t size, std::size_t product, std::size_t ai) {
        if (size % product != 0)
            fail({errc::size_mismatch, var, {}, product * ((size + product - 1) / product), size});
        set(ai, size / product, var);
    }

    /// A variable with one dynamic axis determines it by a division by a compile-time constant
    /// (the product of its static extents): the common case, kept cheap.
    void from_single_dynamic_axes() {
        each_binding([&](auto& bi) {
            using one = single_dynamic_axis<shape_of_t<var_of<decltype(bi)>>>;
            if constexpr (one::found) {
                constexpr std::size_t ai = tl_index_v<Axes, typename one::axis>;
                if (one::static_product != 0 && !known[ai])
                    determine(name_of<var_of<decltype(bi)>>(), bi.size, one::static_product, ai);
            }
        });
    }

    /// The remaining extents from lengths, repeatedly, then an error for any still unknown.
    void deduce_the_rest() {
        auto all_known = [&] { return std::all_of(known.begin(), known.end(), [](bool k) { return k; }); };
        for (bool progress = true; progress && fail.ok() && !all_known();) {
            progress = false;
            each_binding([&](auto& bi) {
                using Var = var_of<decltype(bi)>;
                std::size_t product = 1, unknown = 0, which = 0;
                tl_for_each(as_type_list(shape_of_t<Var>{}), [&](auto a, auto) {
                    constexpr std::size_t ai = tl_index_v<Axes, typename decltype(a)::type>;
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
            });
        }
        if (fail.ok())
            report_unknown();
    }
    void report_unknown() {
        tl_for_each(Axes{}, [&](auto a, auto i) {
            using Axis = typename decltype(a)::type;
            if (known[decltype(i)::value])
                return;
            std::string_view owner{};  // a variable that has the axis, to name in the message
            each_binding([&](auto& bi) {
                if (owner.empty() && contains_v<Axis, shape_of_t<var_of<decltype(bi)>>>)
                    owner = name_of<var_of<decltype(bi)>>();
            });
            fail({errc::unresolved_extent, owner, Axis::name.view(), 0, 0});
        });
    }

    /// Every binding's length is the product of its extents; a wrong one names the axis whose
    /// extent another binding set, if any (that binding may be the wrong one).
    void check_lengths() {
        each_binding([&](auto& bi) {
            using Var = var_of<decltype(bi)>;
            const std::size_t need = st.size_of(shape_of_t<Var>{});
            if (bi.size != need)
                fail(length_error<Var>(need, bi.size));
        });
    }
    template <class Var>
    status length_error(std::size_t need, std::size_t size) const {
        status err{errc::size_mismatch, name_of<Var>(), {}, need, size};
        if constexpr (Errors::explains) {
            tl_for_each(as_type_list(shape_of_t<Var>{}), [&](auto a, auto) {
                using A = typename decltype(a)::type;
                constexpr std::size_t ai = tl_index_v<Axes, A>;
                if (err.source.empty() && !origin[ai].empty() && origin[ai] != name_of<Var>()) {
                    err.axis = A::name.view();
                    err.source = origin[ai];
                }
            });
        }
        return err;
    }
};

/// Fills `st` from the bindings, reporting what is wrong with them to `fail` (see above).
template <class Vars, class Axes, class T, class Errors, class... B>
void resolve_bindings(bound_state<T, Vars, Axes>& st, const std::tuple<B&...>& bindings, Errors& fail) {
    // (program::check_arguments names the variable; this is the check of last resort.)
    constexpr auto faults = binding_faults(Vars{}, type_list<std::remove_cvref_t<B>...>{});
    static_assert(faults[0] == Vars::size, "ctgrad: a variable of the loss is left unbound: pass bind(v, data) for it");
    static_assert(faults[1] == Vars::size, "ctgrad: a variable is bound twice");
    static_assert(faults[2] == sizeof...(B), "ctgrad: a bound variable does not occur in the loss");
    if constexpr (faults == std::array<std::size_t, 3>{Vars::size, Vars::size, sizeof...(B)}) {  // else: said above
        extent_resolver<Vars, Axes, T, Errors, B...> r{st, bindings, fail};
        r.read_bindings();
        r.from_single_dynamic_axes();
        if constexpr (!extents_always_known<Axes, typename std::remove_cvref_t<B>::variable...>::value) {
            r.deduce_the_rest();
            if (!fail.ok())
                return;
        }
        if (fail.ok())
            r.check_lengths();
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
