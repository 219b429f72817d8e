#pragma once
/// \file
/// The reference evaluator: any ctgrad expression (a loss, or a derivative such as
/// `grad(E, w)`) evaluated naively in double precision on dense arrays, node by node, with
/// broadcasting by axis name. It shares nothing with the fused SIMD lowering but the
/// expression types and the public binding types: its formulas are `std::` functions in
/// double (reference/formulas.hpp and each operation's `reference_impl`), its binding
/// resolution its own, which makes it the second opinion tests compare the lowering with, and
/// the function finite differences are taken of. It allocates; it is not for hot paths.

#include <cstddef>
#include <cstdlib>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "ctgrad/detail/errors.hpp"
#include "ctgrad/detail/node_traits.hpp"
#include "ctgrad/expr/operations.hpp"
#include "ctgrad/api/bindings.hpp"
#include "ctgrad/ops/tables.hpp"
#include "ctgrad/reference/formulas.hpp"

namespace ctgrad::reference {

/// A dense row-major array over the axes of `shape_of_t<E>` of the expression it came from.
struct tensor {
    std::vector<std::size_t> extents;  ///< one per axis, in the expression's axis order
    std::vector<double> values;        ///< row-major
};

namespace detail {
using namespace ctgrad::detail;

/// The extent of every axis by name (two axes of one name are one axis: shape rules see to it).
struct extent_table {
    std::vector<std::pair<std::string_view, std::size_t>> entries;

    const std::size_t* find(std::string_view name) const {
        for (const auto& [n, e] : entries)
            if (n == name)
                return &e;
        return nullptr;
    }
};

/// Every variable of E is bound by one of B... (a compile-time question).
template <class E, class... B>
struct all_bound : std::true_type {};
template <class Leaf, class... B>
struct all_bound<terminal<Leaf>, B...>
    : std::bool_constant<!is_variable<Leaf>::value || (std::is_same_v<terminal<Leaf>, typename B::variable> || ...)> {};
template <expr_kind K, class... C, class... B>
requires(K != expr_kind::terminal) struct all_bound<expr<K, hana::tuple<C...>>, B...>
    : std::bool_constant<(all_bound<C, B...>::value && ...)> {};

/// The address of `variable_key<Var>` names variable Var in the evaluator's table of data.
template <class Var>
inline constexpr char variable_key = 0;

/// The bindings, resolved into extents and data converted to double, and the evaluation.
/// Only the constructor depends on the bindings' types: `eval` and everything it calls are
/// instantiated once per expression, whatever the precision and the set of bindings (most of
/// a test's compile time is the reference evaluation of its losses and their derivatives).
class evaluator {
public:
    using tensor = reference::tensor;

    template <class... B>
    explicit evaluator(const B&... bindings) {
        resolve_static_and_explicit(bindings...);
        resolve_from_lengths(bindings...);
        check_lengths(bindings...);
        (data_.push_back({&variable_key<typename B::variable>, to_double(bindings)}), ...);
    }

    /// The value of expression e.
    template <class E>
    tensor eval(const E& e) const {
        if constexpr (is_kind_v<E, expr_kind::terminal>)
            return leaf<leaf_t<E>>();
        else if constexpr (is_kind_v<E, expr_kind::call> && ElementwiseFunction<call_fn_t<E>>)
            return elementwise_call(e);
        else if constexpr (is_kind_v<E, expr_kind::call>)
            return reference_impl<call_fn_t<E>>::apply(e, *this);
        else
            return operator_node(e);
    }

    /// The extent of Axis (static, or resolved from the bindings).
    template <class Axis>
    std::size_t extent() const {
        if constexpr (Axis::is_static) {
            return Axis::extent;
        } else {
            const std::size_t* e = extents_.find(Axis::name.view());
            if (e == nullptr)
                throw_or_abort<evaluation_error>(status{errc::unresolved_extent, {}, Axis::name.view(), 0, 0});
            return *e;
        }
    }
    template <class... A>
    std::vector<std::size_t> extents_of(axes<A...>) const {
        return {extent<A>()...};
    }
    template <class... A>
    std::size_t count(axes<A...>) const {
        return (std::size_t{1} * ... * extent<A>());
    }
    /// A tensor over the axes S, every element `fill`.
    template <class S>
    tensor make(double fill = 0.0) const {
        return {extents_of(S{}), std::vector<double>(count(S{}), fill)};
    }

    /// f(a) with `a` (axes A) laid along the axes `To`: the broadcast by axis name.
    template <class To, class A, class F>
    tensor broadcast_unary(F&& f, const tensor& a) const {
        tensor r = make<To>();
        const auto sa = strides_along<A, To>();
        for_each_index(r.extents, [&](std::size_t flat, const auto& idx) { r.values[flat] = f(a.values[dot(idx, sa)]); });
        return r;
    }
    /// f(a, b) with `a` (axes A) and `b` (axes Bs) laid along the axes `To`.
    template <class To, class A, class Bs, class F>
    tensor broadcast_binary(F&& f, const tensor& a, const tensor& b) const {
        tensor r = make<To>();
        const auto sa = strides_along<A, To>();
        const auto sb = strides_along<Bs, To>();
        for_each_index(r.extents, [&](std::size_t flat, const auto& idx) {
            r.values[flat] = f(a.values[dot(idx, sa)], b.values[dot(idx, sb)]);
        });
        return r;
    }
    /// The sum of `a` (axes A) onto the axes `To` (a subset of A, in A's order or not).
    template <class To, class A>
    tensor sum_onto(const tensor& a) const {
        tensor r = make<To>();
        const auto sr = strides_along<To, A>();
        for_each_index(a.extents, [&](std::size_t flat, const auto& idx) { r.values[dot(idx, sr)] += a.values[flat]; });
        return r;
    }

    /// The data bound to Var (the first binding of it), as a tensor.
    template <class Var>
    tensor variable() const {
        for (const auto& [key, values] : data_)
            if (key == &variable_key<Var>)
                return {extents_of(shape_of_t<Var>{}), values};
        std::abort();  // unreachable: evaluate() asserts at compile time that every variable is bound
    }

private:
    struct bound_data {
        const void* key;             ///< &variable_key<Var>
        std::vector<double> values;  ///< the binding's data, converted, row-major
    };
    std::vector<bound_data> data_;
    extent_table extents_;

    template <class Binding>
    static std::vector<double> to_double(const Binding& b) {
        std::vector<double> v(b.size);
        for (std::size_t i = 0; i < b.size; ++i)
            v[i] = static_cast<double>(b.data[i]);
        return v;
    }

    template <class F, class... B>
    static void for_each_binding(F&& f, const B&... bindings) {
        (f(bindings), ...);
    }
    template <class Var>
    static constexpr std::string_view name_of() {
        return leaf_t<Var>::name.view();
    }

    void set_extent(std::string_view var, std::string_view axis, std::size_t e) {
        if (const std::size_t* known = extents_.find(axis)) {
            if (*known != e)
                throw_or_abort<evaluation_error>(status{errc::extent_conflict, var, axis, *known, e});
        } else {
            extents_.entries.emplace_back(axis, e);
        }
    }

    template <class... B>
    void resolve_static_and_explicit(const B&... bindings) {
        for_each_binding(
            [&](const auto& b) {
                using Var = typename std::remove_cvref_t<decltype(b)>::variable;
                if (b.data == nullptr && b.size != 0)
                    throw_or_abort<evaluation_error>(status{errc::null_data, name_of<Var>(), {}, 0, b.size});
                std::size_t k = 0;
                for_each_axis(shape_of_t<Var>{}, [&](auto a) {
                    using A = typename decltype(a)::type;
                    if constexpr (A::is_static)
                        set_extent(name_of<Var>(), A::name.view(), A::extent);
                    if (b.has_shape)
                        set_extent(name_of<Var>(), A::name.view(), b.shape[k]);
                    ++k;
                });
            },
            bindings...);
    }

    /// A binding whose variable has one axis of unknown extent, the others' product non-zero,
    /// determines it by a division; repeated while that makes progress.
    template <class... B>
    void resolve_from_lengths(const B&... bindings) {
        for (bool progress = true; progress;) {
            progress = false;
            for_each_binding(
                [&](const auto& b) {
                    using Var = typename std::remove_cvref_t<decltype(b)>::variable;
                    std::size_t product = 1, unknown = 0;
                    std::string_view which{};
                    for_each_axis(shape_of_t<Var>{}, [&](auto a) {
                        using A = typename decltype(a)::type;
                        if (const std::size_t* e = extents_.find(A::name.view()))
                            product *= *e;
                        else
                            ++unknown, which = A::name.view();
                    });
                    if (unknown == 1 && product != 0) {
                        if (b.size % product != 0) {
                            const std::size_t need = product * ((b.size + product - 1) / product);
                            throw_or_abort<evaluation_error>(status{errc::size_mismatch, name_of<Var>(), {}, need, b.size});
                        }
                        set_extent(name_of<Var>(), which, b.size / product);
                        progress = true;
                    }
                },
                bindings...);
        }
    }

    template <class... B>
    void check_lengths(const B&... bindings) const {
        for_each_binding(
            [&](const auto& b) {
                using Var = typename std::remove_cvref_t<decltype(b)>::variable;
                std::size_t need = 1;
                for_each_axis(shape_of_t<Var>{}, [&](auto a) {
                    using A = typename decltype(a)::type;
                    const std::size_t* e = extents_.find(A::name.view());
                    if (e == nullptr)
                        throw_or_abort<evaluation_error>(
                            status{errc::unresolved_extent, name_of<Var>(), A::name.view(), 0, 0});
                    need *= *e;
                });
                if (b.size != need)
                    throw_or_abort<evaluation_error>(status{errc::size_mismatch, name_of<Var>(), {}, need, b.size});
            },
            bindings...);
    }

    template <class... A, class F>
    static void for_each_axis(axes<A...>, F&& f) {
        (f(std::type_identity<A>{}), ...);
    }

    /// Strides of an operand with axes `From`, laid along the axes `To` (0 where it lacks one).
    template <class From, class To>
    std::vector<std::size_t> strides_along() const {
        const std::vector<std::size_t> from_ext = extents_of(From{});
        std::vector<std::size_t> from_stride(from_ext.size());
        std::size_t s = 1;
        for (std::size_t i = from_ext.size(); i-- > 0;) {
            from_stride[i] = s;
            s *= from_ext[i];
        }
        std::vector<std::size_t> out;
        for_each_axis(To{}, [&](auto a) {
            std::size_t st = 0, j = 0;
            for_each_axis(From{}, [&](auto b) {
                if constexpr (std::is_same_v<std::remove_cvref_t<decltype(a)>, std::remove_cvref_t<decltype(b)>>)
                    st = from_stride[j];
                ++j;
            });
            out.push_back(st);
        });
        return out;
    }

    /// Calls f(flat index, multi-index) over every element of an array with extents `ext`.
    template <class F>
    static void for_each_index(const std::vector<std::size_t>& ext, F&& f) {
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
    static std::size_t dot(const std::vector<std::size_t>& idx, const std::vector<std::size_t>& stride) {
        std::size_t o = 0;
        for (std::size_t i = 0; i < idx.size(); ++i)
            o += idx[i] * stride[i];
        return o;
    }

    template <class Leaf>
    tensor leaf() const {
        if constexpr (is_variable<Leaf>::value)
            return variable<terminal<Leaf>>();
        else if constexpr (is_constant<Leaf>::value)
            return {{}, {static_cast<double>(Leaf::num) / static_cast<double>(Leaf::den)}};
        else  // inverse_size<Over>
            return {{}, {1.0 / static_cast<double>(count(typename Leaf::over{}))}};
    }

    template <class E>
    tensor elementwise_call(const E& e) const {
        using Fn = call_fn_t<E>;
        using S = shape_of_t<E>;
        if constexpr (arity_v<E> == 2)
            return broadcast_binary<S, shape_of_t<child_t<1, E>>, shape_of_t<child_t<2, E>>>(
                [](double u, double v) { return reference_impl<Fn>::apply(u, v); }, eval(child<1>(e)), eval(child<2>(e)));
        else
            return broadcast_unary<S, shape_of_t<child_t<1, E>>>([](double u) { return reference_impl<Fn>::apply(u); },
                                                                  eval(child<1>(e)));
    }

    template <class E>
    tensor operator_node(const E& e) const {
        using S = shape_of_t<E>;
        if constexpr (is_kind_v<E, expr_kind::negate>) {
            return broadcast_unary<S, shape_of_t<child_t<0, E>>>([](double v) { return -v; }, eval(child<0>(e)));
        } else {
            constexpr auto K = E::kind;
            return broadcast_binary<S, shape_of_t<child_t<0, E>>, shape_of_t<child_t<1, E>>>(
                [](double x, double y) {
                    if constexpr (K == expr_kind::plus)
                        return x + y;
                    else if constexpr (K == expr_kind::minus)
                        return x - y;
                    else if constexpr (K == expr_kind::multiplies)
                        return x * y;
                    else
                        return x / y;
                },
                eval(child<0>(e)), eval(child<1>(e)));
        }
    }
};
}  // namespace detail

/// Evaluates expression `e` in double precision with the given bindings (which may bind more
/// variables than `e` uses, so one set of bindings serves a loss and all its derivatives).
/// Throws `evaluation_error` if the bindings are inconsistent (built with -fno-exceptions:
/// prints its message and aborts).
template <Expression E, Binding... B>
tensor evaluate(const E& e, const B&... bindings) {
    static_assert(detail::all_bound<std::remove_cvref_t<E>, std::remove_cvref_t<B>...>::value,
                  "ctgrad: a variable of the loss is left unbound: pass bind(v, data) for it");
    return detail::evaluator(bindings...).eval(e);
}

/// The scalar value of a loss, in double precision.
template <Expression E, Binding... B>
double evaluate_scalar(const E& e, const B&... bindings) {
    static_assert(rank_v<E> == 0, "ctgrad::reference::evaluate_scalar takes a scalar expression");
    return evaluate(e, bindings...).values.at(0);
}

}  // namespace ctgrad::reference
