#pragma once
/// \file
/// The staged pass (plan: lower/staged_plan.hpp): layers, chained by the chain rule, and
/// per-row reductions, in one sweep over the batch. Per tile of R rows, level by level:
///   1. the level's barriers: z = a·wᵀ (a bound, or a tile buffer of the previous layer),
///      d = g·w (the backward product into the layer below), row sums, row log-sum-exps,
///      one-hot rows;
///   2. the level's stages: SIMD loops over the tile's grid, each distinct subexpression once
///      per element, storing the roots in tile buffers and accumulating the loss reductions;
/// then every gradient term consumes its tile buffer (dW += Gᵀ·a, db += Σ G, ...) while the
/// tile's inputs are still in cache. Intermediates never leave the tile: no buffer is larger
/// than one tile of one value, and all of them live on the stack (no heap allocation).

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>

#include "ctgrad/lower/contraction.hpp"
#include "ctgrad/lower/elementwise.hpp"
#include "ctgrad/lower/extents.hpp"
#include "ctgrad/lower/fused_pass.hpp"  // grid layouts
#include "ctgrad/lower/simd.hpp"
#include "ctgrad/lower/staged_plan.hpp"
#include "ctgrad/lower/tile_sums.hpp"

namespace ctgrad::detail {
inline namespace CTGRAD_ISA_NAMESPACE {

/// The axis of a tile value besides the batch (void for a value per row).
template <class Shape>
struct column_axis {
    static_assert(always_false_v<Shape>,
                  "ctgrad: the staged lowering sweeps the batch: every intermediate value, gradient term and "
                  "reduced expression must be [batch] or [batch, k] (batch first)");
};
template <>
struct column_axis<axes<batch_axis>> {
    using type = void;
};
template <class C>
struct column_axis<axes<batch_axis, C>> {
    using type = C;
};

template <class Plan, class T>
struct staged_pass {
    using plan = staged_plan<Plan>;
    using state = bound_state<T, typename Plan::variables, typename Plan::all_axes>;
    using buffered = typename plan::buffered;
    using reductions = typename Plan::reductions;
    using terms = typename Plan::terms;
    using V = lowering::vec<T>;
    static constexpr std::size_t W = lowering::width<T>;

    /// Elements per tile buffer: 16 KiB each, so a tile holds rows of up to `cap` values.
    static constexpr std::size_t cap = 16384 / sizeof(T);
    /// Bytes of bound input rows per tile. Weight gradients (dW += Gᵀ·x) want many rows per
    /// tile, so that each row of dW is loaded and stored once for many rows of x; the forward
    /// products read x six rows at a time, so x's tile may sit in L2. (Measured at (256, 784,
    /// 64→10): 256 KiB tiles take about half the time of 32 KiB ones.)
    static constexpr std::size_t row_budget = 256 * 1024;
    static_assert(cap % W == 0, "tile buffers hold whole vectors");
    using buffers = T (*)[cap];

    template <class N>
    static std::size_t columns(const state& s) {
        using C = typename column_axis<shape_of_t<N>>::type;
        if constexpr (std::is_void_v<C>)
            return 1;
        else
            return s.template extent_of<C>();
    }
    template <class N>
    static T* buffer(buffers buf) {
        return buf[tl_index_v<buffered, N>];
    }
    /// Rows of a matrix operand: a bound variable (rows from r0) or a tile buffer (from 0).
    template <class X>
    static lowering::matrix_view<T> rows_of(const state& s, buffers buf, std::size_t r0, std::size_t& first) {
        if constexpr (Variable<X>) {
            first = r0;
            using S = shape_of_t<X>;
            return {s.template data_of<X>(), s.template extent_of<typename axis_at<S, 1>::type>()};
        } else {
            first = 0;
            return {buffer<X>(buf), columns<X>(s)};
        }
    }
    template <class Wt>
    static lowering::matrix_view<T> weights(const state& s) {
        std::size_t unused;
        return rows_of<Wt>(s, nullptr, 0, unused);
    }

    /// Checks what the bindings alone cannot: class indices, and rows that fit a tile buffer.
    static status check(const state& s) {
        status err;
        std::size_t widest = 1;
        std::string_view wide_axis;
        tl_for_each(buffered{}, [&](auto n, auto) {
            using N = typename decltype(n)::type;
            using C = typename column_axis<shape_of_t<N>>::type;
            if constexpr (!std::is_void_v<C>) {
                if (columns<N>(s) > widest) {
                    widest = columns<N>(s);
                    wide_axis = C::name.view();
                }
            }
            if constexpr (barrier_of<N>::kind == barrier_kind::one_hot) {
                using info = barrier_of<N>;
                if (err.ok())
                    err = check_class_indices<typename info::classes, typename info::labels>(s);
            }
        });
        if (err.ok() && widest > cap)
            err = {errc::extent_too_large, {}, wide_axis, cap, widest};
        return err;
    }

    // ---- barriers ------------------------------------------------------------------------

    template <class B>
    static void run_barrier(const state& s, std::size_t r0, std::size_t R, buffers buf) {
        using info = barrier_of<B>;
        T* out = buffer<B>(buf);
        if constexpr (info::kind == barrier_kind::forward_contraction) {
            std::size_t first;
            const auto a = rows_of<typename info::left>(s, buf, r0, first);
            const auto w = weights<typename info::right>(s);
            lowering::contract_forward(a, w, first, R, 0, columns<B>(s), out);
        } else if constexpr (info::kind == barrier_kind::backward_contraction) {
            const auto w = weights<typename info::right>(s);
            std::fill_n(out, R * w.cols, T(0));
            lowering::accumulate_input_gradient(buffer<typename info::left>(buf), w, 0, R, 0,
                                                columns<typename info::left>(s), out);
        } else if constexpr (info::kind == barrier_kind::one_hot) {
            const std::size_t K = columns<B>(s);
            const T* y = s.template data_of<typename info::labels>() + r0;
            std::fill_n(out, R * K, T(0));
            for (std::size_t r = 0; r < R; ++r)  // validated by check(): an integer in [0, K)
                out[r * K + static_cast<std::size_t>(y[r])] = T(1);
        } else {
            using A = typename tl_first<typename info::inputs>::type;
            const T* a = buffer<A>(buf);
            if constexpr (info::kind == barrier_kind::row_sum) {
                std::fill_n(out, R, T(0));
                lowering::add_row_sums(a, R, columns<A>(s), out);
            } else {
                lowering::row_logsumexp(a, R, columns<A>(s), out);
            }
        }
    }

    // ---- stages --------------------------------------------------------------------------

    template <class S>
    struct stage_types {
        using nodes = typename plan::template nodes_of<S>;
        using sources = typename plan::template sources_of<S>;
        using grid = typename S::shape;
        using column = typename column_axis<grid>::type;
        /// The slot of each source among the broadcast copies (sources laid out as the grid
        /// need none), and how many there are.
        static constexpr auto copy_slot = [] {
            std::array<std::size_t, sources::size + 1> slot{};
            std::size_t next = 0;
            tl_for_each(sources{}, [&](auto n, auto i) {
                slot[decltype(i)::value] = layout_of<grid, typename decltype(n)::type>() == grid_layout::full ? 0 : next++;
            });
            slot[sources::size] = next;
            return slot;
        }();
        static constexpr std::size_t copied = copy_slot[sources::size];
    };

    template <class Nodes, class Sources, class Node>
    static V compute(const T* const* src, std::size_t idx, const V* vals, const T* inverse) {
        if constexpr (tl_contains_v<Sources, Node>) {
            return lowering::vload<V>(src[tl_index_v<Sources, Node>] + idx);
        } else if constexpr (is_kind_v<Node, expr_kind::terminal>) {
            using Leaf = leaf_t<Node>;
            if constexpr (is_constant<Leaf>::value)
                return lowering::vsplat<V>(Leaf::template value<T>());
            else
                return lowering::vsplat<V>(inverse[tl_index_v<Nodes, Node>]);
        } else {
            return apply_elementwise<Node>([&](auto i) -> const V& {
                return vals[tl_index_v<Nodes, std::remove_cvref_t<decltype(child<decltype(i)::value>(Node{}))>>];
            });
        }
    }

    /// One SIMD loop over the tile's grid of stage S: every node once, roots stored, the
    /// loss reductions whose argument is a root of S accumulated.
    template <class S>
    static void run_stage(const state& s, std::size_t r0, std::size_t R, buffers buf, double* sums) {
        using types = stage_types<S>;
        using nodes = typename types::nodes;
        using sources = typename types::sources;
        using grid = typename types::grid;
        const std::size_t C = [&] {
            if constexpr (std::is_void_v<typename types::column>)
                return std::size_t{1};
            else
                return s.template extent_of<typename types::column>();
        }();
        const std::size_t len = R * C;
        if (len == 0)
            return;

        // Where each source's values are, laid out as the grid: a pointer into bound data or a
        // tile buffer where the layouts agree, else a broadcast copy.
        alignas(64) T copies[types::copied + 1][cap];  // stack: only the sources that need a copy
        const T* src[sources::size + 1];
        tl_for_each(sources{}, [&](auto n, auto i) {
            using Src = typename decltype(n)::type;
            constexpr std::size_t I = decltype(i)::value;
            const T* base;
            std::size_t first;  // the source's row of the tile's first row
            if constexpr (Variable<Src>) {
                base = s.template data_of<Src>();
                first = r0;
            } else {
                base = buffer<Src>(buf);
                first = 0;
            }
            constexpr auto layout = layout_of<grid, Src>();
            T* copy = copies[types::copy_slot[I]];
            if constexpr (layout == grid_layout::full) {
                src[I] = base + first * C;
            } else if constexpr (layout == grid_layout::rows_only) {
                if (C == 1) {
                    src[I] = base + first;
                } else {
                    for (std::size_t r = 0; r < R; ++r)
                        std::fill_n(copy + r * C, C, base[first + r]);
                    src[I] = copy;
                }
            } else if constexpr (layout == grid_layout::cols_only) {
                for (std::size_t r = 0; r < R; ++r)
                    std::copy_n(base, C, copy + r * C);
                src[I] = copy;
            } else {
                std::fill_n(copy, len, base[0]);
                src[I] = copy;
            }
        });
        T inverse[nodes::size + 1];  // the inverse sizes (1/B, ...) by node
        tl_for_each(nodes{}, [&](auto n, auto i) {
            using Node = typename decltype(n)::type;
            if constexpr (is_kind_v<Node, expr_kind::terminal>) {
                using Leaf = leaf_t<Node>;
                if constexpr (is_inverse_size<Leaf>::value)
                    inverse[decltype(i)::value] = T(1) / static_cast<T>(s.size_of(typename inverse_size_axes<Leaf>::type{}));
            }
        });

        V acc[reductions::size + 1];
        for (auto& a : acc)
            a = lowering::vsplat<V>(T(0));
        auto step = [&](const T* const* from, std::size_t at, std::size_t store_at, auto valid) {
            V vals[nodes::size];
            tl_for_each(nodes{}, [&](auto n, auto i) {
                vals[decltype(i)::value] = compute<nodes, sources, typename decltype(n)::type>(from, at, vals, inverse);
            });
            tl_for_each(typename S::roots{}, [&](auto n, auto) {
                using Root = typename decltype(n)::type;
                if constexpr (tl_contains_v<buffered, Root>)
                    lowering::vstore(buffer<Root>(buf) + store_at, vals[tl_index_v<nodes, Root>]);
            });
            tl_for_each(reductions{}, [&](auto red, auto j) {
                using Arg = typename reduction_arg<typename decltype(red)::type>::type;
                if constexpr (tl_contains_v<typename S::roots, Arg>)
                    acc[decltype(j)::value] += valid(vals[tl_index_v<nodes, Arg>]);
            });
        };
        std::size_t idx = 0;
        for (; idx + W <= len; idx += W)
            step(src, idx, idx, [](const V& v) { return v; });
        if constexpr (W > 1) {
            if (idx < len) {  // the last partial vector: padded copies of the sources, masked sums
                const std::size_t rest = len - idx;
                alignas(64) T pad[sources::size + 1][W];
                const T* padded[sources::size + 1];
                for (std::size_t i = 0; i < sources::size; ++i) {
                    lowering::vstore(pad[i], lowering::vload_partial<V>(src[i] + idx, rest));
                    padded[i] = pad[i];
                }
                const auto lanes = lowering::vload<V>(lowering::lane_index<T>.data()) < lowering::vsplat<V>(T(rest));
                step(padded, 0, idx,  // tile buffers hold whole vectors: the store may run past len
                     [&](const V& v) { return lowering::vselect(lanes, v, lowering::vsplat<V>(T(0))); });
            }
        }
        tl_for_each(reductions{}, [&](auto red, auto j) {
            using Arg = typename reduction_arg<typename decltype(red)::type>::type;
            if constexpr (tl_contains_v<typename S::roots, Arg>)
                sums[decltype(j)::value] += static_cast<double>(lowering::vsum(acc[decltype(j)::value]));
        });
    }

    // ---- gradient terms ------------------------------------------------------------------

    template <class OT>
    static void apply_term(const state& s, std::size_t r0, std::size_t R, buffers buf, T* const* out) {
        using Term = typename OT::term;
        using G = typename Term::grid_expr;
        using Col = typename column_axis<shape_of_t<G>>::type;
        const T* g = buffer<G>(buf);
        const std::size_t C = columns<G>(s);
        T* dst = out[OT::output];
        if constexpr (is_weight_term<Term>::value) {
            std::size_t first;
            const auto x = rows_of<typename is_weight_term<Term>::x>(s, buf, r0, first);
            lowering::accumulate_weight_gradient(g, x, first, R, 0, C, dst);
        } else if constexpr (is_input_term<Term>::value) {
            lowering::accumulate_input_gradient(g, weights<typename is_input_term<Term>::w>(s), r0, R, 0, C, dst);
        } else if constexpr (is_reduce_term<Term>::value) {
            using Over = typename is_reduce_term<Term>::over;
            constexpr bool keep_rows = !contains_v<batch_axis, Over>;
            constexpr bool keep_cols = !std::is_void_v<Col> && !contains_v<Col, Over>;
            if constexpr (keep_rows && keep_cols)
                lowering::add_tile(g, R, C, dst + r0 * C, C);
            else if constexpr (keep_rows)
                lowering::add_row_sums(g, R, C, dst + r0);
            else if constexpr (keep_cols)
                lowering::add_column_sums(g, R, C, dst);
            else
                lowering::add_total(g, R * C, dst);
        } else {
            static_assert(std::is_same_v<shape_of_t<typename OT::variable>, shape_of_t<G>>,
                          "ctgrad: a pointwise gradient needs its variable to have the gradient's axes, in order");
            lowering::add_tile(g, R, C, dst + r0 * C, C);
        }
    }

    template <std::size_t Level>
    static void run_level(const state& s, std::size_t r0, std::size_t R, buffers buf, double* sums) {
        tl_for_each(typename plan::template barriers_at<Level>{},
                    [&](auto b, auto) { run_barrier<typename decltype(b)::type>(s, r0, R, buf); });
        tl_for_each(typename plan::template stages_at<Level>{},
                    [&](auto st, auto) { run_stage<typename decltype(st)::type>(s, r0, R, buf, sums); });
    }

    /// Runs the pass: sums of the loss reductions into `sums`, gradients added into `out`.
    /// `check(s)` must have passed.
    static void run(const state& s, double* sums, T* const* out) {
        const std::size_t rows = s.template extent_of<batch_axis>();
        if (rows == 0)
            return;
        // Tile rows: every buffered row fits a buffer, and the bound rows read by forward
        // products stay within the row budget while the tile is processed.
        std::size_t widest = 1, row_bytes = 0;
        tl_for_each(buffered{}, [&](auto n, auto) { widest = std::max(widest, columns<typename decltype(n)::type>(s)); });
        tl_for_each(typename plan::stages{}, [&](auto st, auto) {
            using grid = typename decltype(st)::type::shape;
            if constexpr (!std::is_void_v<typename column_axis<grid>::type>)
                widest = std::max(widest, s.template extent_of<typename column_axis<grid>::type>());
        });
        tl_for_each(typename plan::barriers{}, [&](auto b, auto) {
            using info = barrier_of<typename decltype(b)::type>;
            if constexpr (info::kind == barrier_kind::forward_contraction) {
                if constexpr (Variable<typename info::left>)
                    row_bytes += weights<typename info::left>(s).cols * sizeof(T);
            }
        });
        std::size_t R = std::min(rows, std::max<std::size_t>(1, cap / widest));
        if (row_bytes > 0)
            R = std::min(R, std::max<std::size_t>(1, row_budget / row_bytes));

        alignas(64) T buf[buffered::size + 1][cap];
        for (std::size_t r0 = 0; r0 < rows; r0 += R) {
            const std::size_t rows_here = std::min(R, rows - r0);
            [&]<std::size_t... L>(std::index_sequence<L...>) {
                (run_level<L>(s, r0, rows_here, buf, sums), ...);
            }
            (std::make_index_sequence<plan::levels>{});
            tl_for_each(terms{},
                        [&](auto term, auto) { apply_term<typename decltype(term)::type>(s, r0, rows_here, buf, out); });
        }
    }
};

}  // namespace CTGRAD_ISA_NAMESPACE
}  // namespace ctgrad::detail
