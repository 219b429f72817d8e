#pragma once
/// \file
/// The reference evaluator: any ctgrad expression (a loss, or a derivative such as
/// `grad(E, w)`) evaluated naively in double precision on dense arrays, node by node, with
/// broadcasting by axis name. It shares nothing with the fused SIMD lowering but the
/// expression types, which makes it the second opinion tests compare the lowering with, and
/// the function finite differences are taken of. It allocates; it is not for hot paths.

#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <vector>

#include "ctgrad/detail/errors.hpp"
#include "ctgrad/lower/elementwise.hpp"
#include "ctgrad/lower/extents.hpp"
#include "ctgrad/lower/plan.hpp"

namespace ctgrad::reference {

/// A dense row-major array over the axes of `shape_of_t<E>` of the expression it came from.
struct tensor {
    std::vector<std::size_t> extents;  ///< one per axis, in the expression's axis order
    std::vector<double> values;        ///< row-major
};

namespace detail {
using namespace ctgrad::detail;

template <class State>
struct context {
    const State& state;

    template <class... A>
    std::vector<std::size_t> extents_of(axes<A...>) const {
        return {state.template extent_of<A>()...};
    }
    template <class S>
    std::size_t count(S s) const {
        return state.size_of(s);
    }
};

/// Strides of an operand with axes `From`, laid along the axes `To` (0 where it lacks one).
template <class From, class To, class Ctx>
std::vector<std::size_t> strides_along(const Ctx& ctx) {
    std::vector<std::size_t> from_ext = ctx.extents_of(From{});
    std::vector<std::size_t> from_stride(from_ext.size());
    std::size_t s = 1;
    for (std::size_t i = from_ext.size(); i-- > 0;) {
        from_stride[i] = s;
        s *= from_ext[i];
    }
    std::vector<std::size_t> out;
    tl_for_each(as_type_list(To{}), [&](auto a, auto) {
        using A = typename decltype(a)::type;
        std::size_t st = 0;
        tl_for_each(as_type_list(From{}), [&](auto b, auto j) {
            if constexpr (std::is_same_v<typename decltype(b)::type, A>)
                st = from_stride[decltype(j)::value];
        });
        out.push_back(st);
    });
    return out;
}

/// Calls f(flat index, multi-index) over every element of an array with extents `ext`.
template <class F>
void for_each_index(const std::vector<std::size_t>& ext, F&& f) {
    std::size_t total = 1;
    for (auto e : ext)
        total *= e;
    std::vector<std::size_t> idx(ext.size(), 0);
    for (std::size_t flat = 0; flat < total; ++flat) {
        f(flat, idx);
        for (std::size_t d = ext.size(); d-- > 0;) {
            if (++idx[d] < ext[d])
                break;
            idx[d] = 0;
        }
    }
}

inline std::size_t dot(const std::vector<std::size_t>& idx, const std::vector<std::size_t>& stride) {
    std::size_t o = 0;
    for (std::size_t i = 0; i < idx.size(); ++i)
        o += idx[i] * stride[i];
    return o;
}

template <class E, class Ctx>
tensor eval(const E& e, const Ctx& ctx);

template <class Result, class A, class Ctx, class F>
tensor broadcast_unary(const tensor& a, const Ctx& ctx, F&& f) {
    tensor r{ctx.extents_of(Result{}), {}};
    auto sa = strides_along<A, Result>(ctx);
    std::size_t n = 1;
    for (auto x : r.extents)
        n *= x;
    r.values.resize(n);
    for_each_index(r.extents, [&](std::size_t flat, const auto& idx) { r.values[flat] = f(a.values[dot(idx, sa)]); });
    return r;
}

template <class Result, class A, class B, class Ctx, class F>
tensor broadcast_binary(const tensor& a, const tensor& b, const Ctx& ctx, F&& f) {
    tensor r{ctx.extents_of(Result{}), {}};
    auto sa = strides_along<A, Result>(ctx);
    auto sb = strides_along<B, Result>(ctx);
    std::size_t n = 1;
    for (auto x : r.extents)
        n *= x;
    r.values.resize(n);
    for_each_index(r.extents, [&](std::size_t flat, const auto& idx) {
        r.values[flat] = f(a.values[dot(idx, sa)], b.values[dot(idx, sb)]);
    });
    return r;
}

template <class S>
struct last_axis_of;
template <class... A>
struct last_axis_of<axes<A...>> {
    using type = typename decltype((std::type_identity<A>{}, ...))::type;
};

template <class E, class Ctx>
tensor eval(const E& e, const Ctx& ctx) {
    using S = shape_of_t<E>;
    if constexpr (is_kind_v<E, expr_kind::terminal>) {
        using Leaf = leaf_t<E>;
        if constexpr (is_variable<Leaf>::value) {
            tensor t{ctx.extents_of(S{}), {}};
            const auto* d = ctx.state.template data_of<E>();
            t.values.assign(d, d + ctx.count(S{}));
            return t;
        } else if constexpr (is_constant<Leaf>::value) {
            return {{}, {Leaf::template value<double>()}};
        } else {
            return {{}, {1.0 / static_cast<double>(ctx.count(typename inverse_size_axes<Leaf>::type{}))}};
        }
    } else if constexpr (is_kind_v<E, expr_kind::call>) {
        using Fn = call_fn_t<E>;
        auto a = child<1>(e);
        using A = shape_of_t<decltype(a)>;
        if constexpr (ElementwiseFunction<Fn>) {
            if constexpr (arity_v<E> == 2) {
                auto c = child<2>(e);
                return broadcast_binary<S, A, shape_of_t<decltype(c)>>(
                    eval(a, ctx), eval(c, ctx), ctx,
                    [](double u, double v) { return elementwise_kernel<Fn>::apply(u, v); });
            } else {
                return broadcast_unary<S, A>(eval(a, ctx), ctx,
                                             [](double v) { return elementwise_kernel<Fn>::apply(v); });
            }
        } else if constexpr (std::is_same_v<Fn, transpose_fn>) {
            tensor ta = eval(a, ctx);
            tensor r{{ta.extents[1], ta.extents[0]}, std::vector<double>(ta.values.size())};
            for (std::size_t i = 0; i < ta.extents[0]; ++i)
                for (std::size_t j = 0; j < ta.extents[1]; ++j)
                    r.values[j * ta.extents[0] + i] = ta.values[i * ta.extents[1] + j];
            return r;
        } else if constexpr (std::is_same_v<Fn, matmul_fn>) {
            tensor ta = eval(a, ctx);
            tensor tb = eval(child<2>(e), ctx);
            const std::size_t p = ta.extents[0], q = ta.extents[1], r_ = tb.extents[1];
            tensor r{{p, r_}, std::vector<double>(p * r_, 0.0)};
            for (std::size_t i = 0; i < p; ++i)
                for (std::size_t k = 0; k < q; ++k)
                    for (std::size_t j = 0; j < r_; ++j)
                        r.values[i * r_ + j] += ta.values[i * q + k] * tb.values[k * r_ + j];
            return r;
        } else if constexpr (is_one_hot_v<Fn>) {
            using Classes = typename Fn::classes;
            const status s = check_class_indices<Classes, decltype(a)>(ctx.state);
            if (!s)
                throw_or_abort<evaluation_error>(s);
            tensor ty = eval(a, ctx);
            const std::size_t K = ctx.state.template extent_of<Classes>();
            tensor r{ctx.extents_of(S{}), std::vector<double>(ty.values.size() * K, 0.0)};
            // y's axes then the class axis, or the class axis first when y has none (a scalar y).
            for (std::size_t i = 0; i < ty.values.size(); ++i)
                r.values[i * K + static_cast<std::size_t>(ty.values[i])] = 1.0;
            return r;
        } else if constexpr (is_logsumexp_v<Fn>) {
            static_assert(std::is_same_v<axes<typename last_axis_of<A>::type>, typename Fn::over>,
                          "ctgrad::reference: logsumexp over the last axis of its argument");
            tensor ta = eval(a, ctx);
            const std::size_t K = ta.extents.back();
            tensor r{ctx.extents_of(S{}), std::vector<double>(K == 0 ? 0 : ta.values.size() / K)};
            for (std::size_t i = 0; i < r.values.size(); ++i) {
                const double* row = ta.values.data() + i * K;
                double m = -INFINITY;
                for (std::size_t c = 0; c < K; ++c)
                    m = std::max(m, row[c]);
                double total = 0;
                for (std::size_t c = 0; c < K; ++c)
                    total += std::exp(row[c] - m);
                r.values[i] = std::isinf(m) ? m : m + std::log(total);
            }
            return r;
        } else {  // reductions over Over; axes of Over the argument lacks are broadcast
            using Over = typename Fn::over;
            tensor ta = eval(a, ctx);
            tensor r{ctx.extents_of(S{}), std::vector<double>(ctx.count(S{}), 0.0)};
            auto sr = strides_along<S, A>(ctx);
            for_each_index(ta.extents,
                           [&](std::size_t flat, const auto& idx) { r.values[dot(idx, sr)] += ta.values[flat]; });
            const double broadcast = static_cast<double>(ctx.count(axes_minus_t<Over, A>{}));
            const bool is_mean = !std::is_same_v<Fn, reduce_sum_fn<Over>>;
            const double scale = is_mean ? broadcast / static_cast<double>(ctx.count(Over{})) : broadcast;
            for (auto& v : r.values)
                v *= scale;
            return r;
        }
    } else if constexpr (is_kind_v<E, expr_kind::negate>) {
        auto a = child<0>(e);
        return broadcast_unary<S, shape_of_t<decltype(a)>>(eval(a, ctx), ctx, [](double v) { return -v; });
    } else {
        auto a = child<0>(e);
        auto b = child<1>(e);
        using A = shape_of_t<decltype(a)>;
        using B = shape_of_t<decltype(b)>;
        tensor ta = eval(a, ctx), tb = eval(b, ctx);
        constexpr auto K = E::kind;
        return broadcast_binary<S, A, B>(ta, tb, ctx, [](double x, double y) {
            if constexpr (K == expr_kind::plus)
                return x + y;
            else if constexpr (K == expr_kind::minus)
                return x - y;
            else if constexpr (K == expr_kind::multiplies)
                return x * y;
            else
                return x / y;
        });
    }
}

template <class L, class... B>
struct bound_for {
    using vars =
        typename tl_concat_unique<variables_of_t<L>, type_list<typename std::remove_cvref_t<B>::variable...>>::type;
    using all_axes = typename unique_list<typename axes_of_variables<vars>::type>::type;
};
}  // namespace detail

/// Evaluates expression `e` in double precision with the given bindings (which may bind more
/// variables than `e` uses, so one set of bindings serves a loss and all its derivatives).
/// Throws `evaluation_error` if the bindings are inconsistent (built with -fno-exceptions:
/// prints its message and aborts).
template <Expression E, Binding... B>
tensor evaluate(const E& e, const B&... bindings) {
    using T = typename std::tuple_element_t<0, std::tuple<B...>>::value_type;
    using info = detail::bound_for<E, B...>;
    ctgrad::detail::bound_state<T, typename info::vars, typename info::all_axes> st;
    status s =
        ctgrad::detail::resolve_bindings<typename info::vars, typename info::all_axes>(st, std::tie(bindings...));
    if (!s)
        ctgrad::detail::throw_or_abort<evaluation_error>(s);
    // Convert to double once, so every node computes in double.
    std::vector<std::vector<double>> copies;
    ctgrad::detail::bound_state<double, typename info::vars, typename info::all_axes> sd;
    sd.extent = st.extent;
    ctgrad::detail::tl_for_each(typename info::vars{}, [&](auto v, auto i) {
        using Var = typename decltype(v)::type;
        const std::size_t n = st.size_of(shape_of_t<Var>{});
        const T* src = st.data[decltype(i)::value];
        copies.emplace_back(src, src + (src ? n : 0));
    });
    for (std::size_t i = 0; i < copies.size(); ++i)
        sd.data[i] = copies[i].data();
    return detail::eval(e, detail::context<decltype(sd)>{sd});
}

/// The scalar value of a loss, in double precision.
template <Expression E, Binding... B>
double evaluate_scalar(const E& e, const B&... bindings) {
    static_assert(rank_v<E> == 0, "ctgrad::reference::evaluate_scalar takes a scalar expression");
    return evaluate(e, bindings...).values.at(0);
}

}  // namespace ctgrad::reference
