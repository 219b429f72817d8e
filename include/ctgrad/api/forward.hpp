#pragma once
/// \file
/// The forward pass: `value(e)` of an expression with axes (a model's output o[batch, k], its
/// logits, a hidden layer, per-sample losses [batch], a predicted class `argmax(z, k)`) is a
/// program whose call writes the value into the caller's buffer. It runs on the one executor
/// (lower/executor.hpp): the plan `forward_plan<E>` has no loss reductions and one term, the
/// value itself, which every tile stores into the buffer (no derivative is built). The checks
/// are those of `value_and_grad` (api/program.hpp): sizes, bindings, aliasing, nothing
/// written on error.

#include <algorithm>
#include <array>
#include <concepts>
#include <cstddef>
#include <optional>
#include <ranges>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>

#include "ctgrad/api/bindings.hpp"
#include "ctgrad/lower/executor.hpp"
#include "ctgrad/lower/extents.hpp"
#include "ctgrad/lower/plan.hpp"
#include "ctgrad/api/program.hpp"
#include "ctgrad/ops/argmax.hpp"

namespace ctgrad {

namespace detail {
template <class E>
inline constexpr bool is_argmax_v = false;
template <class Over, class A>
inline constexpr bool is_argmax_v<call<argmax_fn<Over>, A>> = true;
}  // namespace detail

inline namespace CTGRAD_ISA_NAMESPACE {

/// The value of expression E (of rank 1 or more) as a program: `value(o)`. Stateless and
/// re-entrant, as `program` is.
template <class E>
class forward_program {
public:
    using plan = detail::forward_plan<E>;

    /// Evaluates E with `bindings...` (one `bind(v, data)` per variable of E) into `out`, the
    /// last argument: a contiguous range of the data's element type with one element per
    /// element of E, row-major (for `argmax(z, k)`, any integer type will do too). Returns a
    /// span over `out`. Throws `evaluation_error`, having written nothing, if the data is
    /// inconsistent (built with -fno-exceptions: prints the message and aborts; use
    /// `try_evaluate` there).
    template <class... Args>
    auto operator()(Args&&... args) const {
        using T = element_t<Args...>;
        check_arguments<T, std::remove_reference_t<Args>...>();
        return split(std::forward_as_tuple(args...), [&](auto&& bindings, auto& out) {
            if (const status s = run<T>(bindings, out); !s)
                detail::throw_or_abort<evaluation_error>(s);
            return std::span(std::ranges::data(out), std::ranges::size(out));
        });
    }

    /// As `operator()`, without exceptions: returns the status; on error nothing is written.
    template <class... Args>
    status try_evaluate(Args&&... args) const noexcept {
        using T = element_t<Args...>;
        check_arguments<T, std::remove_reference_t<Args>...>();
        return split(std::forward_as_tuple(args...),
                     [&](auto&& bindings, auto& out) { return run<T>(bindings, out); });
    }

    template <class T, class U>
    class prepared;

    /// Validates the data once and returns a call that evaluates it again and again without
    /// the per-call checks, as `program::prepare` does: `auto predict = value(o).prepare(bind(x,
    /// xs), ..., out); predict();` reads the bound memory as it is when called.
    template <class... Args>
    auto prepare(Args&&... args) const {
        using T = element_t<Args...>;
        check_arguments<T, std::remove_reference_t<Args>...>();
        return split(std::forward_as_tuple(args...), [&](auto&& bindings, auto& out) {
            std::optional<prepared<T, std::ranges::range_value_t<decltype(out)>>> call;
            if (const status s = prepare_into<T>(call, bindings, out); !s)
                detail::throw_or_abort<evaluation_error>(s);
            return *call;
        });
    }

    /// As `prepare`, without exceptions: on success puts the call into `call`, else leaves it
    /// as it was; returns the status.
    template <class T, class U, class... Args>
    status try_prepare(std::optional<prepared<T, U>>& call, Args&&... args) const noexcept {
        check_arguments<T, std::remove_reference_t<Args>...>();
        return split(std::forward_as_tuple(args...),
                     [&](auto&& bindings, auto& out) { return prepare_into<T>(call, bindings, out); });
    }

private:
    using variables = typename plan::variables;
    using Row = typename plan::row_axis;
    template <class T>
    using state = typename detail::executor<plan, T>::state;

    template <class... Args>
    using element_t = typename std::remove_cvref_t<std::tuple_element_t<0, std::tuple<Args...>>>::value_type;

    /// The bindings (all arguments but the last) and the output buffer (the last).
    template <class Tuple, class F>
    static decltype(auto) split(Tuple&& all, F&& f) {
        constexpr std::size_t n = std::tuple_size_v<std::remove_cvref_t<Tuple>>;
        return [&]<std::size_t... B>(std::index_sequence<B...>)->decltype(auto) {
            return f(std::forward_as_tuple(std::get<B>(all)...), std::get<n - 1>(all));
        }
        (std::make_index_sequence<n - 1>{});
    }

    template <class Out, class T>
    static constexpr bool output_of_type() {
        if constexpr (std::ranges::contiguous_range<Out>) {
            using U = std::ranges::range_value_t<Out>;
            return std::is_same_v<U, T> ||
                   (detail::is_argmax_v<E> && std::integral<U> && !std::is_same_v<U, bool>);
        } else {
            return false;
        }
    }

    /// Checks the types of Args... (the bindings, then the output buffer) where the user's call
    /// enters: one short error for the first mistake.
    template <class T, class... Args>
    static constexpr void check_arguments() {
        static_assert(sizeof...(Args) >= 2 || variables::size == 0,
                      "ctgrad: value(e)(...) takes bind(v, data) for each variable of e, then the output buffer");
        if constexpr (sizeof...(Args) >= 1)
            arguments_ok<T>(typename detail::first_n<sizeof...(Args) - 1, Args...>::type{},
                            typename detail::last_n<1, Args...>::type{});
    }
    template <class T, class... B, class Out>
    static constexpr bool arguments_ok(detail::type_list<B...> bindings, detail::type_list<Out>) {
        static_assert((Binding<B> && ...),
                      "ctgrad: value(e)(...) takes bind(v, data) for each variable of e, then the output buffer");
        constexpr bool same_type = (detail::binding_of_type<B, T>() && ...);
        static_assert(!(Binding<B> && ...) || same_type,
                      "ctgrad: all bound data must have the same element type (float or double)");
        static_assert(std::ranges::contiguous_range<Out>, "ctgrad: the output buffer must be a contiguous range");
        constexpr bool out_ok = output_of_type<Out, T>();
        static_assert(!std::ranges::contiguous_range<Out> || out_ok,
                      "ctgrad: the output buffer must have the element type of the bound data (or, for "
                      "argmax(z, k), an integer type)");
        static_assert(!out_ok || detail::writable_range<Out>(), "ctgrad: the output buffer must be writable (not const)");
        if constexpr ((Binding<B> && ...) && same_type && out_ok && detail::writable_range<Out>()) {
            constexpr auto f = detail::binding_faults(variables{}, detail::type_list<std::remove_cvref_t<B>...>{});
            if constexpr (f != std::array<std::size_t, 3>{variables::size, variables::size, sizeof...(B)}) {
                detail::report_binding_faults<variables>(bindings);
                return false;
            }
            return true;
        } else {
            return false;
        }
    }

    /// Everything about the data, before anything is written: the bindings, what the executor
    /// checks (class indices, widths), the output's length, and that it shares no memory with
    /// an input. Fills `st` on the way.
    template <class T, class Errors, class... B, class U>
    static void validate(state<T>& st, const std::tuple<B&...>& bindings, U* out, std::size_t out_size,
                         Errors& fail) {
        detail::resolve_bindings<variables, typename plan::all_axes>(st, bindings, fail);
        if (!fail.ok())
            return;
        if (const status s = detail::executor<plan, T>::check(st); !s.ok())
            return fail(s);
        const std::size_t need = st.size_of(shape_of_t<E>{});
        if (out_size != need)
            return fail({errc::size_mismatch, {}, {}, need, out_size, true});
        if (out == nullptr && need != 0)
            return fail({errc::null_data, {}, {}, need, 0, true});
        const auto mine = detail::address_range::of(out, out_size);
        const bool hit = std::apply(
            [&](const auto&... b) { return (false || ... || mine.overlaps(detail::address_range::of(b.data, b.size))); },
            bindings);
        if (hit)
            fail({errc::aliased_output, {}, {}, 0, 0, true});
    }

    template <class T, class... B, class Out>
    static status run(const std::tuple<B&...>& bindings, Out& out) {
        if constexpr (arguments_ok<T>(detail::type_list<B...>{}, detail::type_list<Out>{})) {
            state<T> st;
            auto* data = std::ranges::data(out);
            const std::size_t size = std::ranges::size(out);
            detail::any_error quick;  // a good call builds no status on the way
            validate<T>(st, bindings, data, size, quick);
            if (!quick.ok()) [[unlikely]]
                return diagnose<T>(bindings, data, size);
            execute<T>(st, data);
            return {};
        } else {  // said by check_arguments
            return {};
        }
    }

    template <class T, class... B, class U>
    [[gnu::noinline, gnu::cold]] static status diagnose(const std::tuple<B&...>& bindings, U* out, std::size_t size) {
        state<T> st;
        detail::first_error errors;
        validate<T>(st, bindings, out, size, errors);
        return errors.err;
    }

    template <class T, class Call, class... B, class Out>
    static status prepare_into(Call& call, const std::tuple<B&...>& bindings, Out& out) {
        if constexpr (arguments_ok<T>(detail::type_list<B...>{}, detail::type_list<Out>{})) {
            prepared<T, std::ranges::range_value_t<Out>> fresh;
            fresh.out_ = std::ranges::data(out);
            fresh.out_size_ = std::ranges::size(out);
            detail::first_error errors;
            validate<T>(fresh.st_, bindings, fresh.out_, fresh.out_size_, errors);
            if (errors.ok())
                call = fresh;
            return errors.err;
        } else {
            return {};
        }
    }

    /// Runs valid data into `out`: the executor's pass, storing E's value tile by tile. Into
    /// integers (argmax): the rows in chunks, each evaluated into a buffer of T on the stack
    /// (the same data, seen from the chunk's first row), then converted.
    template <class T, class U>
    static void execute(const state<T>& st, U* out) {
        if constexpr (std::is_same_v<U, T>) {
            std::array<double, 1> sums{};  // no loss reductions
            T* const outs[1] = {out};
            detail::executor<plan, T>::run(st, sums.data(), outs);
        } else {
            static_assert(shape_of_t<E>::rank == 1, "ctgrad: argmax(z, k) into integers: z must be [batch, k]");
            constexpr std::size_t chunk = Row::is_static ? Row::extent : 1024;
            static_assert(chunk <= 16384, "ctgrad: argmax(z, k) into integers: at most 16384 rows of a static axis");
            alignas(64) T values[chunk == 0 ? 1 : chunk];
            const std::size_t rows = st.template extent_of<Row>();
            for (std::size_t r0 = 0; r0 < rows; r0 += chunk) {
                state<T> part = st;
                const std::size_t n = std::min(chunk, rows - r0);
                if constexpr (!Row::is_static) {
                    part.extent[detail::tl_index_v<typename plan::all_axes, Row>] = n;
                    detail::tl_for_each(variables{}, [&](auto v, auto i) {
                        using S = shape_of_t<typename decltype(v)::type>;
                        if constexpr (S::rank > 0 && std::is_same_v<typename detail::axis_at<S, 0>::type, Row>)
                            part.data[decltype(i)::value] += r0 * (part.size_of(S{}) / n);
                    });
                }
                execute<T>(part, values);
                std::transform(values, values + n, out + r0, [](T v) { return static_cast<U>(v); });
            }
        }
    }
};

/// A forward program's call prepared by `forward_program::prepare`: the data validated once,
/// evaluated on every call into the same output buffer (pointers, not copies).
template <class E>
template <class T, class U>
class forward_program<E>::prepared {
public:
    /// Evaluates the bound data as it is now; returns a span over the output buffer. Throws
    /// `evaluation_error`, having written nothing, if a value-dependent check fails (a class
    /// index out of range).
    std::span<U> operator()() const {
        if (const status s = try_run(); !s)
            detail::throw_or_abort<evaluation_error>(s);
        return {out_, out_size_};
    }
    /// As `operator()`, without exceptions: returns the status.
    status try_run() const noexcept {
        if (const status s = detail::executor<plan, T>::check(st_); !s.ok())
            return s;
        forward_program::execute<T>(st_, out_);
        return {};
    }

private:
    friend class forward_program;
    prepared() = default;  // only forward_program makes one, from validated data

    state<T> st_{};
    U* out_ = nullptr;
    std::size_t out_size_ = 0;
};

/// The value of an expression with axes, as a program that writes it into a buffer (a forward
/// pass, `with torch.no_grad(): model(x)`):
///
///     constexpr auto predict = value(o);                 // o: [batch, k]
///     predict(bind(x, xs), bind(w, ws), bind(b, bs), out);  // out: batch·k elements
///     value(argmax(o, k))(bind(x, xs), ..., classes);    // classes: batch integers
template <Expression E>
requires(rank_v<E> > 0) constexpr auto value(const E&) {
    return forward_program<std::remove_cvref_t<E>>{};
}

}  // namespace CTGRAD_ISA_NAMESPACE
}  // namespace ctgrad
