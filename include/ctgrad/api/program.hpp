#pragma once
/// \file
/// The public entry points of evaluation: `value_and_grad(loss, wrt(w, b))` and `value(loss)`
/// return a *program*: an empty object whose type holds the loss, its derivatives and the
/// lowering plan. Calling it with bound data validates the data, then runs one sweep.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <ranges>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>

#include "ctgrad/detail/diagnostics.hpp"
#include "ctgrad/detail/errors.hpp"
#include "ctgrad/diff/grad.hpp"
#include "ctgrad/api/bindings.hpp"
#include "ctgrad/lower/extents.hpp"
#include "ctgrad/lower/executor.hpp"
#include "ctgrad/lower/plan.hpp"

namespace ctgrad {

/// The variables to differentiate with respect to, in the order of the results.
template <class... V>
struct wrt_t {};

/// `wrt(w, b)`: differentiate with respect to w, then b.
template <Expression... V>
constexpr wrt_t<std::remove_cvref_t<V>...> wrt(const V&...) {
    static_assert((Variable<V> && ...),
                  "ctgrad: wrt(...) takes variables made by input<\"name\">(...) or parameter<\"name\">(...)");
    return {};
}

namespace detail {

/// One compile error for the first fault of bindings B... against the variables Vars, spelling
/// the variable's name; nothing when they match. Called first by every entry point, so that the
/// error's context is short and nothing else is instantiated.
template <class Vars, class... B>
constexpr void report_binding_faults(type_list<B...> bs) {
    if constexpr ((Binding<B> && ...)) {
        constexpr auto f = binding_faults(Vars{}, bs);
        constexpr std::size_t n = Vars::size;
        using vars = typename tl_concat<Vars, type_list<void>>::type;
        using bound = type_list<typename B::variable..., void>;
        if constexpr (f[0] < n)
            (void)sizeof(variable_left_unbound<spelled_t<tl_at_t<vars, f[0]>>>);
        else if constexpr (f[1] < n)
            (void)sizeof(variable_bound_twice<spelled_t<tl_at_t<vars, f[1]>>>);
        else if constexpr (f[2] < sizeof...(B))
            (void)sizeof(variable_not_in_loss<spelled_t<tl_at_t<bound, f[2]>>>);
    }
}

/// Whether B is a binding of data of type T (program and forward_program check their arguments).
template <class B, class T>
constexpr bool binding_of_type() {
    if constexpr (Binding<B>)
        return std::is_same_v<typename std::remove_cvref_t<B>::value_type, T>;
    else
        return false;
}
/// Whether G is a contiguous range whose elements can be written (an output buffer).
template <class G>
constexpr bool writable_range() {
    if constexpr (std::ranges::contiguous_range<G>)
        return !std::is_const_v<std::remove_reference_t<std::ranges::range_reference_t<G>>>;
    else
        return false;
}

/// The first N of Ts... (first_n) and the last N (last_n), as a type list.
template <std::size_t N, class... Ts>
struct first_n {
    template <std::size_t... I>
    static auto pick(std::index_sequence<I...>) -> type_list<std::tuple_element_t<I, std::tuple<Ts...>>...>;
    using type = decltype(pick(std::make_index_sequence<N>{}));
};
template <std::size_t N, class... Ts>
struct last_n {
    template <std::size_t... I>
    static auto pick(std::index_sequence<I...>)
        -> type_list<std::tuple_element_t<sizeof...(Ts) - N + I, std::tuple<Ts...>>...>;
    using type = decltype(pick(std::make_index_sequence<N>{}));
};

}  // namespace detail

namespace detail {
inline namespace CTGRAD_ISA_NAMESPACE {  // evaluated code is compiled per instruction set

template <class Plan, class L, class T>
double evaluate_scalar(const L&, const double* sums,
                       const bound_state<T, typename Plan::variables, typename Plan::all_axes>& s) {
    using reductions = typename Plan::reductions;
    if constexpr (tl_contains_v<reductions, L>) {
        using Fn = call_fn_t<L>;
        const double total = sums[tl_index_v<reductions, L>];
        if constexpr (std::is_same_v<Fn, reduce_mean_fn<typename Fn::over>>) {
            return total / static_cast<double>(s.size_of(typename Fn::over{}));
        } else {
            return total;
        }
    } else if constexpr (is_kind_v<L, expr_kind::terminal>) {
        using Leaf = leaf_t<L>;
        if constexpr (is_constant<Leaf>::value) {
            return Leaf::template value<double>();
        } else if constexpr (is_inverse_size<Leaf>::value) {
            return 1.0 / static_cast<double>(s.size_of(typename inverse_size_axes<Leaf>::type{}));
        } else {
            return static_cast<double>(s.template data_of<L>()[0]);
        }
    } else {
        return apply_elementwise<L>([&](auto i) {
            return evaluate_scalar<Plan, std::remove_cvref_t<decltype(child<decltype(i)::value>(L{}))>, T>(
                child<decltype(i)::value>(L{}), sums, s);
        });
    }
}

/// An array's memory as integer addresses [begin, end); an empty array is [0, 0), which
/// overlaps nothing. (Integers, because the arrays may be unrelated objects.)
struct address_range {
    std::uintptr_t begin = 0, end = 0;
    template <class T>
    static address_range of(const T* p, std::size_t n) {
        const auto b = reinterpret_cast<std::uintptr_t>(p);
        return n == 0 ? address_range{} : address_range{b, b + n * sizeof(T)};
    }
    /// Do the two ranges share a byte? Branch-free: it runs on every call.
    bool overlaps(const address_range& o) const { return (begin < o.end) & (o.begin < end); }
};

}  // namespace CTGRAD_ISA_NAMESPACE
}  // namespace detail

inline namespace CTGRAD_ISA_NAMESPACE {

/// A compiled loss: its value and, for each variable of W..., its gradient, in one fused sweep over the data.
/// Stateless and re-entrant: one program may be called from several threads at once.
template <class P, class T>
class sharded_call;  // api/shards.hpp

template <class L, class... W>
class program {
    template <class P, class T>
    friend class sharded_call;

public:
    using plan = detail::plan<L, W...>;

private:
    using plan_variables = typename plan::variables;

public:

    /// The derivative expression of the loss with respect to the I-th variable of `wrt`.
    template <std::size_t I>
    using derivative_t = grad_t<L, std::tuple_element_t<I, std::tuple<W...>>>;

    /// Evaluates with `bindings...` (one `bind(v, data)` per variable of the loss) and writes
    /// the gradients into `grads...` (one contiguous range per variable of `wrt`, in order;
    /// any previous contents are overwritten). Returns the loss followed by spans over the
    /// gradient buffers, so `auto [loss, dw, db] = step(...)`.
    /// Throws `evaluation_error`, having written nothing, if the data is inconsistent (built
    /// with -fno-exceptions: prints its message and aborts; use `try_evaluate` there).
    template <class... Args>
    auto operator()(Args&&... args) const {
        using T = typename std::remove_cvref_t<std::tuple_element_t<0, std::tuple<Args...>>>::value_type;
        check_arguments<T, std::remove_reference_t<Args>...>();
        T loss{};
        auto result =
            split<sizeof...(Args) - sizeof...(W)>(std::forward_as_tuple(args...), [&](auto&& bindings, auto&& grads) {
                status s = run(loss, bindings, grads);
                if (!s)  // without exceptions: the message on stderr, then abort (try_evaluate returns it)
                    detail::throw_or_abort<evaluation_error>(s);
                return std::apply([&](auto&... g) { return std::make_tuple(loss, span_of(g)...); }, grads);
            });
        if constexpr (sizeof...(W) == 0) {
            return std::get<0>(result);
        } else {
            return result;
        }
    }

    /// As `operator()`, without exceptions: writes the loss into `loss` and returns the status.
    /// For code built with -fno-exceptions. On error nothing is written.
    template <class T, class... Args>
    status try_evaluate(T& loss, Args&&... args) const noexcept {
        check_arguments<T, std::remove_reference_t<Args>...>();
        return split<sizeof...(Args) - sizeof...(W)>(
            std::forward_as_tuple(args...), [&](auto&& bindings, auto&& grads) { return run(loss, bindings, grads); });
    }

    template <class T>
    class prepared;

    /// Validates the data once and returns a call that evaluates it again and again without
    /// the per-call checks: `auto call = step.prepare(bind(x, xs), ..., dw_buf, db_buf);` then
    /// `auto [loss, dw, db] = call();` in the loop. The call reads the bound memory *as it is
    /// when called* (change its contents freely between calls) and overwrites the gradient
    /// buffers; the memory must stay alive and keep its size. Checks that depend on the values
    /// (class indices) still run on every call. Throws `evaluation_error` as `operator()` does.
    template <class... Args>
    auto prepare(Args&&... args) const {
        using T = typename std::remove_cvref_t<std::tuple_element_t<0, std::tuple<Args...>>>::value_type;
        check_arguments<T, std::remove_reference_t<Args>...>();
        prepared<T> call{};
        split<sizeof...(Args) - sizeof...(W)>(std::forward_as_tuple(args...), [&](auto&& bindings, auto&& grads) {
            if (const status s = prepare_into<T>(call, bindings, grads); !s)
                detail::throw_or_abort<evaluation_error>(s);
        });
        return call;
    }

    /// As `prepare`, without exceptions: on success puts the call into `call`, else leaves it
    /// as it was; returns the status.
    template <class T, class... Args>
    status try_prepare(std::optional<prepared<T>>& call, Args&&... args) const noexcept {
        check_arguments<T, std::remove_reference_t<Args>...>();
        return split<sizeof...(Args) - sizeof...(W)>(
            std::forward_as_tuple(args...),
            [&](auto&& bindings, auto&& grads) { return prepare_into<T>(call, bindings, grads); });
    }

private:
    template <class R>
    static auto span_of(R& r) {
        return std::span(std::ranges::data(r), std::ranges::size(r));
    }

    template <std::size_t NB, class Tuple, class F>
    static decltype(auto) split(Tuple&& all, F&& f) {
        static_assert(std::tuple_size_v<std::remove_cvref_t<Tuple>> >= sizeof...(W),
                      "ctgrad: pass one gradient buffer per variable of wrt(...) after the bindings");
        return [&]<std::size_t... B, std::size_t... G>(std::index_sequence<B...>, std::index_sequence<G...>)
            ->decltype(auto) {
            return f(std::forward_as_tuple(std::get<B>(all)...), std::forward_as_tuple(std::get<NB + G>(all)...));
        }
        (std::make_index_sequence<NB>{}, std::make_index_sequence<sizeof...(W)>{});
    }

    template <class B, class T>
    static constexpr bool binding_of_type() {
        return detail::binding_of_type<B, T>();
    }
    template <class G, class T>
    static constexpr bool buffer_of_type() {
        if constexpr (std::ranges::contiguous_range<G>)
            return std::is_same_v<std::ranges::range_value_t<G>, T>;
        else
            return false;
    }
    template <class G>
    static constexpr bool writable() {
        return detail::writable_range<G>();
    }

    template <class... B>
    static constexpr bool bindings_match(detail::type_list<B...>) {
        constexpr auto f = detail::binding_faults(plan_variables{}, detail::type_list<std::remove_cvref_t<B>...>{});
        return f[0] == plan_variables::size && f[1] == plan_variables::size && f[2] == sizeof...(B);
    }
    /// Checks the types of Args... (the bindings, then the gradient buffers) where the user's
    /// call enters, so that a mistake is one short error: arguments_ok's messages, or the first
    /// fault of the bindings.
    template <class T, class... Args>
    static constexpr void check_arguments() {
        static_assert(sizeof...(Args) >= sizeof...(W),
                      "ctgrad: pass one gradient buffer per variable of wrt(...) after the bindings");
        if constexpr (sizeof...(Args) >= sizeof...(W)) {
            constexpr std::size_t NB = sizeof...(Args) - sizeof...(W);
            using bindings = typename detail::first_n<NB, Args...>::type;
            if constexpr (arguments_ok<T>(bindings{}, typename detail::last_n<sizeof...(W), Args...>::type{}))
                return;
            else
                detail::report_binding_faults<plan_variables>(bindings{});
        }
    }

    /// Checks the arguments' types, one readable message each; true if they are right.
    template <class T, class... B, class... G>
    static constexpr bool arguments_ok(detail::type_list<B...>, detail::type_list<G...>) {
        static_assert((Binding<B> && ...),
                      "ctgrad: arguments are bind(v, data) for each variable of the loss, then one gradient buffer per "
                      "wrt variable");
        constexpr bool same_type = (binding_of_type<B, T>() && ...);
        static_assert(!(Binding<B> && ...) || same_type,
                      "ctgrad: all bound data must have the same element type (float or double) as the loss");
        static_assert((std::ranges::contiguous_range<G> && ...), "ctgrad: gradient buffers must be contiguous ranges");
        constexpr bool buffers_ok = (buffer_of_type<G, T>() && ...);
        static_assert(!(std::ranges::contiguous_range<G> && ...) || buffers_ok,
                      "ctgrad: gradient buffers must have the element type of the bound data");
        constexpr bool buffers_writable = (writable<G>() && ...);
        static_assert(!buffers_ok || buffers_writable, "ctgrad: gradient buffers must be writable (not const)");
        if constexpr ((Binding<B> && ...) && same_type && buffers_ok && buffers_writable)
            return bindings_match(detail::type_list<B...>{});
        else
            return false;
    }

    /// Checks the arguments' types (then nothing more if they are wrong), then runs.
    template <class T, class... B, class... G>
    static status run(T& loss, const std::tuple<B&...>& bindings, const std::tuple<G&...>& grads) {
        constexpr bool ok = arguments_ok<T>(detail::type_list<B...>{}, detail::type_list<G...>{});
        if constexpr (ok) {
            return run_checked(loss, bindings, grads);
        } else {  // said by check_arguments: nothing else is instantiated
            return {};
        }
    }

    /// Validates the data into a prepared call, stored into `call` (a prepared<T> or an
    /// optional of one) if it is valid.
    template <class T, class Call, class... B, class... G>
    static status prepare_into(Call& call, const std::tuple<B&...>& bindings, const std::tuple<G&...>& grads) {
        constexpr bool ok = arguments_ok<T>(detail::type_list<B...>{}, detail::type_list<G...>{});
        if constexpr (ok) {
            prepared<T> fresh;
            detail::first_error errors;
            validate<T>(fresh.st_, bindings, grads, fresh.out_, fresh.out_size_, errors);
            if (errors.ok())
                call = fresh;
            return errors.err;
        } else {
            return {};
        }
    }

    template <class T>
    using outputs = std::array<T*, sizeof...(W) + 1>;

    /// Checks everything about the data before anything is written, reporting each problem to
    /// `fail` (a detail::first_error or detail::any_error): the bindings (lengths, extents,
    /// null data), what the pass checks (class indices, widths), the gradient buffers' lengths,
    /// and that no gradient buffer shares memory with an input or another gradient buffer.
    /// Fills `st` and the gradient buffers' pointers and lengths on the way.
    template <class T, class Errors, class... B, class... G>
    static void validate(typename detail::executor<plan, T>::state& st, const std::tuple<B&...>& bindings,
                         const std::tuple<G&...>& grads, outputs<T>& out,
                         std::array<std::size_t, sizeof...(W) + 1>& out_size, Errors& fail) {
        detail::resolve_bindings<typename plan::variables, typename plan::all_axes>(st, bindings, fail);
        if (!fail.ok())
            return;
        if (const status s = detail::check_passes<plan, T>(st); !s.ok())  // what only the executor knows: class indices, widths
            return fail(s);
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (([&] {
                 using Var = std::tuple_element_t<I, std::tuple<W...>>;
                 auto& g = std::get<I>(grads);
                 const std::size_t need = st.size_of(shape_of_t<Var>{});
                 out[I] = std::ranges::data(g);
                 out_size[I] = std::ranges::size(g);
                 if (out_size[I] != need)
                     fail({errc::size_mismatch, detail::name_of<Var>(), {}, need, out_size[I], true});
                 if (out[I] == nullptr && need != 0)
                     fail({errc::null_data, detail::name_of<Var>(), {}, need, 0, true});
             }()),
             ...);
        }
        (std::index_sequence_for<W...>{});
        if (!fail.ok())
            return;
        // The bound inputs' memory, then each gradient buffer against it and the ones before.
        const auto inputs = std::apply(
            [](const auto&... b) {
                return std::array<detail::address_range, sizeof...(B)>{detail::address_range::of(b.data, b.size)...};
            },
            bindings);
        const std::array<std::string_view, sizeof...(W) + 1> out_name{detail::name_of<W>()...};
        for (std::size_t i = 0; i < sizeof...(W); ++i) {
            const auto mine = detail::address_range::of(out[i], out_size[i]);
            bool hit = false;
            for (const auto& input : inputs)
                hit |= mine.overlaps(input);
            for (std::size_t j = 0; j < i; ++j)
                hit |= mine.overlaps(detail::address_range::of(out[j], out_size[j]));
            if (hit)
                fail({errc::aliased_output, out_name[i], {}, 0, 0});
        }
    }

    /// The first problem with data that failed validation: validates again, keeping the
    /// message this time. Out of line, so that the checks of a good call stay short.
    template <class T, class... B, class... G>
    [[gnu::noinline, gnu::cold]] static status diagnose(const std::tuple<B&...>& bindings,
                                                        const std::tuple<G&...>& grads) {
        typename detail::executor<plan, T>::state st;
        outputs<T> out{};
        std::array<std::size_t, sizeof...(W) + 1> out_size{};
        detail::first_error errors;
        validate<T>(st, bindings, grads, out, out_size, errors);
        return errors.err;
    }

    template <class T, class... B, class... G>
    static status run_checked(T& loss, const std::tuple<B&...>& bindings, const std::tuple<G&...>& grads) {
        using pass = detail::executor<plan, T>;
        typename pass::state st;
        outputs<T> out{};
        std::array<std::size_t, sizeof...(W) + 1> out_size{};
        detail::any_error quick;  // a good call builds no status on the way
        validate<T>(st, bindings, grads, out, out_size, quick);
        if (!quick.ok()) [[unlikely]]
            return diagnose<T>(bindings, grads);

        execute(loss, st, out, out_size);
        return {};
    }

    /// Runs valid data: zeroes the gradients, runs the pass, finishes the loss.
    template <class T>
    static void execute(T& loss, const typename detail::executor<plan, T>::state& st, const outputs<T>& out,
                        const std::array<std::size_t, sizeof...(W) + 1>& out_size) {
        using pass = detail::executor<plan, T>;
        // The executor stores every gradient element itself (data of one row): no zeroing.
        const bool overwrite = !detail::has_parameter_passes_v<plan> && pass::overwrites_gradients(st);
        if (!overwrite)
            for (std::size_t i = 0; i < sizeof...(W); ++i)
                std::fill_n(out[i], out_size[i], T(0));
        std::array<double, plan::reductions::size + 1> sums{};
        pass::run(st, sums.data(), out.data(), overwrite);
        detail::run_parameter_passes<plan, T>(st, sums.data(), out.data());  // weight decay, ...
        loss = static_cast<T>(detail::evaluate_scalar<plan, L, T>(L{}, sums.data(), st));
    }
};

/// A program's call prepared by `program::prepare`: the data validated once, evaluated on
/// every call. Holds pointers to the bound memory and the gradient buffers, not copies. One
/// prepared call writes one set of gradient buffers: use one per thread.
template <class L, class... W>
template <class T>
class program<L, W...>::prepared {
public:
    /// Evaluates the bound data as it is now. Returns the loss followed by spans over the
    /// gradient buffers, as `program::operator()` does. Throws `evaluation_error`, having
    /// written nothing, if a value-dependent check fails (a class index out of range).
    auto operator()() const {
        T loss{};
        if (const status s = try_run(loss); !s)
            detail::throw_or_abort<evaluation_error>(s);
        if constexpr (sizeof...(W) == 0) {
            return loss;
        } else {
            return [&]<std::size_t... I>(std::index_sequence<I...>) {
                return std::make_tuple(loss, std::span<T>(out_[I], out_size_[I])...);
            }
            (std::index_sequence_for<W...>{});
        }
    }

    /// As `operator()`, without exceptions: writes the loss and returns the status.
    status try_run(T& loss) const noexcept {
        if (const status s = detail::check_passes<plan, T>(st_); !s.ok())
            return s;
        program::execute(loss, st_, out_, out_size_);
        return {};
    }

private:
    friend class program;
    template <class P, class U>
    friend class sharded_call;  // api/shards.hpp: a prepared call split into shards
    prepared() = default;  // only program makes one, from validated data

    typename detail::executor<plan, T>::state st_{};
    outputs<T> out_{};
    std::array<std::size_t, sizeof...(W) + 1> out_size_{};
};

/// The loss and its gradients with respect to the variables of `wrt(...)`, as a program.
///
///     auto step = value_and_grad(E, wrt(w, b));
///     auto [loss, dw, db] = step(bind(x, xs), bind(t, ts), bind(w, ws), bind(b, bs), dw_buf, db_buf);
/// (A loss that is not a scalar is one error: no program type, no derivative, is made of it.)
template <Expression L, class... W>
constexpr auto value_and_grad(const L&, wrt_t<W...>) {
    static_assert(rank_v<L> == 0, "ctgrad: value_and_grad needs a scalar loss: reduce it with sum(...) or mean(...)");
    if constexpr (rank_v<L> == 0)
        return program<std::remove_cvref_t<L>, W...>{};
    else
        return detail::type_list<>{};
}

/// The loss alone, as a program: `float e = value(E)(bind(x, xs), ...);`. (The value of an
/// expression with axes, written into a buffer, is `value(e)` of api/forward.hpp.)
template <Expression L>
requires(rank_v<L> == 0) constexpr auto value(const L&) {
    return program<std::remove_cvref_t<L>>{};
}

}  // namespace CTGRAD_ISA_NAMESPACE
}  // namespace ctgrad
