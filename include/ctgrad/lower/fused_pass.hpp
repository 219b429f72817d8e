#pragma once
/// \file
/// The fused pass: one sweep over the grid in tiles of R rows × C columns. Per tile:
///   1. contractions z = x·wᵀ by the SIMD dot kernel (x's rows come into L1 here);
///   2. every scheduled node, elementwise, SIMD across the tile (sigmoid vectorised across
///      rows and outputs), each distinct subexpression once per element; reductions accumulate;
///      gradient grid expressions G are stored in tile buffers;
///   3. gradient terms consume G while x's rows are still in cache: dW += Gᵀ·X, dX += G·W,
///      db += Σ G, dT += G.
/// No heap allocation: tile buffers live on the stack.

#include <algorithm>
#include <array>
#include <cstddef>

#include "ctgrad/lower/contraction.hpp"
#include "ctgrad/lower/elementwise.hpp"
#include "ctgrad/lower/extents.hpp"
#include "ctgrad/lower/plan.hpp"
#include "ctgrad/lower/simd.hpp"
#include "ctgrad/lower/tile_sums.hpp"

namespace ctgrad::detail {
inline namespace CTGRAD_ISA_NAMESPACE {

template <class Shape, std::size_t I>
struct axis_at {
    using type = void;
};
template <class A0, class... As>
struct axis_at<axes<A0, As...>, 0> {
    using type = A0;
};
template <class A0, class A1, class... As>
struct axis_at<axes<A0, A1, As...>, 1> {
    using type = A1;
};

/// How a grid variable's data maps onto a tile.
enum class grid_layout { full, rows_only, cols_only, scalar };

template <class Grid, class Var>
constexpr grid_layout layout_of() {
    using S = shape_of_t<Var>;
    using Row = typename axis_at<Grid, 0>::type;
    using Col = typename axis_at<Grid, 1>::type;
    if constexpr (S::rank == 0) {
        return grid_layout::scalar;
    } else if constexpr (std::is_same_v<S, Grid>) {
        return Grid::rank == 1 ? grid_layout::rows_only : grid_layout::full;
    } else if constexpr (S::rank == 1 && std::is_same_v<typename axis_at<S, 0>::type, Row>) {
        return grid_layout::rows_only;
    } else if constexpr (S::rank == 1 && std::is_same_v<typename axis_at<S, 0>::type, Col>) {
        return grid_layout::cols_only;
    } else {
        static_assert(
            always_false_v<Var>,
            "ctgrad: a variable's axes are not in the loss grid's order (declare it [batch, k], not [k, batch])");
        return grid_layout::scalar;
    }
}

template <class Plan, class T>
struct fused_pass {
    using nodes = typename Plan::nodes;
    using grid = typename Plan::grid;
    using Row = typename axis_at<grid, 0>::type;
    using Col = typename axis_at<grid, 1>::type;
    using contractions = typename Plan::contractions;
    using grid_vars = typename Plan::grid_variables;
    using reductions = typename Plan::reductions;
    using terms = typename Plan::terms;
    using state = bound_state<T, typename Plan::variables, typename Plan::all_axes>;

    static constexpr std::size_t cap = 256;              // grid elements per tile
    static constexpr std::size_t l1_budget = 32 * 1024;  // bytes of x rows per tile (measured: 16 KiB is slower)
    static_assert(cap % lowering::width<T> == 0, "tile buffers hold whole vectors");
    static constexpr std::size_t n_nodes = nodes::size;

    struct tile {
        std::size_t r0, R, c0, C;
        const T* var[grid_vars::size + 1];
        const T* z[contractions::size + 1];
    };

    template <class Node>
    static constexpr std::size_t at = tl_index_v<nodes, Node>;

    template <class V, class Node>
    static V compute(const tile& t, std::size_t idx, const V* vals, const T* scalars) {
        if constexpr (is_contraction_v<Node>) {
            return lowering::vload<V>(t.z[tl_index_v<contractions, Node>] + idx);
        } else if constexpr (is_kind_v<Node, expr_kind::terminal>) {
            using Leaf = leaf_t<Node>;
            if constexpr (is_variable<Leaf>::value) {
                return lowering::vload<V>(t.var[tl_index_v<grid_vars, Node>] + idx);
            } else if constexpr (is_constant<Leaf>::value) {
                return lowering::vsplat<V>(Leaf::template value<T>());
            } else {
                return lowering::vsplat<V>(scalars[at<Node>]);
            }
        } else {
            return apply_elementwise<Node>([&](auto i) -> const V& {
                return vals[at<std::remove_cvref_t<decltype(child<decltype(i)::value>(Node{}))>>];
            });
        }
    }

    template <class V>
    static void evaluate_nodes(const tile& t, std::size_t idx, V* vals, const T* scalars) {
        tl_for_each(nodes{}, [&](auto node, auto i) {
            using Node = typename decltype(node)::type;
            vals[decltype(i)::value] = compute<V, Node>(t, idx, vals, scalars);
        });
    }

    /// Evaluates the grid elements [idx, idx + lanes of V) of the tile, V a vector or a scalar:
    /// reductions added into `acc`, the gradient grid expressions G stored into `gbuf`.
    template <class V>
    static void evaluate_at(const tile& t, std::size_t idx, const T* scalars, V* acc, T (*gbuf)[cap]) {
        V vals[n_nodes];
        evaluate_nodes<V>(t, idx, vals, scalars);
        tl_for_each(reductions{}, [&](auto red, auto j) {
            acc[decltype(j)::value] += vals[at<typename reduction_arg<typename decltype(red)::type>::type>];
        });
        tl_for_each(terms{}, [&](auto term, auto j) {
            using G = typename decltype(term)::type::term::grid_expr;
            lowering::vstore(gbuf[decltype(j)::value] + idx, vals[at<G>]);
        });
    }

    /// Evaluates the tile's grid elements [0, R·C): reductions into `sums`, G into `gbuf`.
    static void evaluate_tile(const tile& t, const T* scalars, double* sums, T (*gbuf)[cap]) {
        using V = lowering::vec<T>;
        constexpr std::size_t W = lowering::width<T>;
        const std::size_t len = t.R * t.C;
        V acc[reductions::size + 1];
        for (auto& a : acc)
            a = lowering::vsplat<V>(T(0));
        std::size_t idx = 0;
        for (; idx + W <= len; idx += W)
            evaluate_at<V>(t, idx, scalars, acc, gbuf);
        if constexpr (W > 1) {
            if (idx < len) {  // the last partial vector: padded copies of the sources, masked sums
                const std::size_t rem = len - idx;
                alignas(64) T pad[grid_vars::size + contractions::size + 1][W];
                tile tail = t;
                auto padded = [&](const T* src, T* dst) {
                    lowering::vstore(dst, lowering::vload_partial<V>(src + idx, rem));
                    return dst;
                };
                for (std::size_t i = 0; i < grid_vars::size; ++i)
                    tail.var[i] = padded(t.var[i], pad[i]);
                for (std::size_t i = 0; i < contractions::size; ++i)
                    tail.z[i] = padded(t.z[i], pad[grid_vars::size + i]);
                V vals[n_nodes];
                evaluate_nodes<V>(tail, 0, vals, scalars);
                const auto valid = lowering::vload<V>(lowering::lane_index<T>.data()) < lowering::vsplat<V>(T(rem));
                tl_for_each(reductions{}, [&](auto red, auto j) {
                    const V v = vals[at<typename reduction_arg<typename decltype(red)::type>::type>];
                    acc[decltype(j)::value] += lowering::vselect(valid, v, lowering::vsplat<V>(T(0)));
                });
                tl_for_each(terms{}, [&](auto term, auto j) {
                    using G = typename decltype(term)::type::term::grid_expr;
                    lowering::vstore(gbuf[decltype(j)::value] + idx, vals[at<G>]);  // tile buffers hold whole vectors
                });
            }
        }
        for (std::size_t j = 0; j < reductions::size; ++j)
            sums[j] += static_cast<double>(lowering::vsum(acc[j]));
    }

    template <class X>
    static lowering::matrix_view<T> matrix_of(const state& s) {
        using S = shape_of_t<X>;
        return {s.template data_of<X>(), s.template extent_of<typename axis_at<S, 1>::type>()};
    }

    /// Applies gradient term `OT` (an output_term) to the tile's buffer g.
    template <class OT>
    static void apply_term(const T* g, const tile& t, const state& s, T* const* out, std::size_t cols) {
        using Term = typename OT::term;
        T* dst = out[OT::output];
        if constexpr (is_weight_term<Term>::value) {
            lowering::accumulate_weight_gradient(g, matrix_of<typename is_weight_term<Term>::x>(s), t.r0, t.R, t.c0,
                                                 t.C, dst);
        } else if constexpr (is_input_term<Term>::value) {
            lowering::accumulate_input_gradient(g, matrix_of<typename is_input_term<Term>::w>(s), t.r0, t.R, t.c0, t.C,
                                                dst);
        } else if constexpr (is_reduce_term<Term>::value) {
            using Over = typename is_reduce_term<Term>::over;
            static_assert(subset_v<Over, grid>, "ctgrad: a gradient sums over an axis outside the loss grid");
            constexpr bool keep_rows = !std::is_void_v<Row> && !contains_v<Row, Over>;
            constexpr bool keep_cols = !std::is_void_v<Col> && !contains_v<Col, Over>;
            if constexpr (keep_rows && keep_cols)
                lowering::add_tile(g, t.R, t.C, dst + t.r0 * cols + t.c0, cols);
            else if constexpr (keep_rows)
                lowering::add_row_sums(g, t.R, t.C, dst + t.r0);
            else if constexpr (keep_cols)
                lowering::add_column_sums(g, t.R, t.C, dst + t.c0);
            else
                lowering::add_total(g, t.R * t.C, dst);
        } else {
            static_assert(std::is_same_v<shape_of_t<typename OT::variable>, grid>,
                          "ctgrad: a pointwise gradient needs its variable to have the loss grid's axes, in order");
            lowering::add_tile(g, t.R, t.C, dst + t.r0 * cols + t.c0, cols);
        }
    }

    /// As apply_term, for the only tile of a grid of one row, into a gradient buffer that this
    /// term alone writes and nobody zeroed: stores instead of adding. (Adding would load what
    /// the zeroing just stored, in other widths than it was stored: on x86 such a load waits
    /// for the stores to retire, and a one-sample call becomes a chain of such waits.)
    template <class OT>
    static void store_term(const T* g, const tile& t, const state& s, T* const* out) {
        using Term = typename OT::term;
        T* dst = out[OT::output];
        if constexpr (is_weight_term<Term>::value) {
            const auto x = matrix_of<typename is_weight_term<Term>::x>(s);
            lowering::store_weight_gradient_row(g, x.row(t.r0), x.cols, t.C, dst + t.c0 * x.cols);
        } else if constexpr (is_input_term<Term>::value) {
            const auto w = matrix_of<typename is_input_term<Term>::w>(s);
            lowering::store_input_gradient_row(g, w, t.c0, t.C, dst + t.r0 * w.cols);
        } else {
            constexpr bool keep_cols = [] {
                if constexpr (is_reduce_term<Term>::value)  // a sum over the rows of one row keeps the columns
                    return !std::is_void_v<Col> && !contains_v<Col, typename is_reduce_term<Term>::over>;
                else
                    return true;  // pointwise: the grid itself
            }();
            if constexpr (keep_cols) {
                for (std::size_t c = 0; c < t.C; ++c)
                    dst[c] = g[c];
            } else {  // a total over the row (or the grid: one row)
                T a = T(0);
                for (std::size_t c = 0; c < t.C; ++c)
                    a += g[c];
                dst[0] = a;
            }
        }
    }

    /// The number of gradient buffers the terms write: one past the highest output index.
    static constexpr std::size_t count_outputs() {
        std::size_t most = 0;
        tl_for_each(terms{}, [&](auto term, auto) { most = std::max(most, decltype(term)::type::output + 1); });
        return most;
    }
    /// Whether each of those buffers is written by exactly one term (then a pass over one tile
    /// of one row can store into it, unzeroed).
    static constexpr bool one_term_per_output = [] {
        std::array<std::size_t, count_outputs() + 1> count{};
        tl_for_each(terms{}, [&](auto term, auto) { ++count[decltype(term)::type::output]; });
        for (std::size_t o = 0; o < count_outputs(); ++o)
            if (count[o] != 1)
                return false;
        return true;
    }();

    static std::size_t rows_of(const state& s) {
        if constexpr (std::is_void_v<Row>)
            return 1;
        else
            return s.template extent_of<Row>();
    }
    static std::size_t cols_of(const state& s) {
        if constexpr (std::is_void_v<Col>)
            return 1;
        else
            return s.template extent_of<Col>();
    }
    /// A grid of at most a quarter vector, or of two elements: row by row in scalars
    /// (run_rows_in_scalars). (Two: AVX2, (1, 10, 2) double took 82 ns through a masked
    /// 4-lane tile, 26 ns in scalars.)
    static bool rows_in_scalars(std::size_t rows, std::size_t cols) {
        constexpr std::size_t W = lowering::width<T>;
        return W >= 2 && rows * cols <= std::max<std::size_t>(W / 4, 2);
    }

    /// Whether run() writes every element of the `n_outputs` gradient buffers itself for this
    /// data, so that the caller need not zero them: one tile of one row, taken in scalars,
    /// each buffer the target of one term, every buffer some term's target.
    static bool overwrites_gradients(const state& s, std::size_t n_outputs) {
        if constexpr (one_term_per_output) {
            const std::size_t rows = rows_of(s), cols = cols_of(s);
            return n_outputs == count_outputs() && rows == 1 && cols > 0 && rows_in_scalars(rows, cols);
        } else {
            return false;
        }
    }

    /// Stages, once per pass, the grid variables that are the same in every tile of R rows ×
    /// C columns: a scalar (R·C copies: what a tile reads), a cols_only variable over R > 1 rows.
    static void stage_constants(const state& s, std::size_t R, std::size_t C, T (*stage)[cap]) {
        tl_for_each(grid_vars{}, [&](auto v, auto i) {
            using Var = typename decltype(v)::type;
            constexpr auto layout = layout_of<grid, Var>();
            const T* d = s.template data_of<Var>();
            if constexpr (layout == grid_layout::scalar) {
                std::fill_n(stage[decltype(i)::value], R * C, d[0]);
            } else if constexpr (layout == grid_layout::cols_only) {
                if (R > 1)
                    for (std::size_t r = 0; r < R; ++r)
                        std::copy_n(d, C, stage[decltype(i)::value] + r * C);
            }
        });
    }

    /// Points the tile's variables (t.var) at their data, or at `stage` (after
    /// stage_constants, for tiles of R rows) where a value repeats across the tile.
    static void point_variables(tile& t, const state& s, std::size_t cols, std::size_t R, T (*stage)[cap]) {
        tl_for_each(grid_vars{}, [&](auto v, auto i) {
            using Var = typename decltype(v)::type;
            constexpr auto layout = layout_of<grid, Var>();
            constexpr std::size_t I = decltype(i)::value;
            const T* d = s.template data_of<Var>();
            if constexpr (layout == grid_layout::full) {
                t.var[I] = d + t.r0 * cols + t.c0;
            } else if constexpr (layout == grid_layout::scalar) {
                t.var[I] = stage[I];
            } else if constexpr (layout == grid_layout::cols_only) {
                t.var[I] = R > 1 ? stage[I] : d + t.c0;
            } else {  // rows_only
                if (cols == 1) {
                    t.var[I] = d + t.r0;
                } else {
                    for (std::size_t r = 0; r < t.R; ++r)
                        std::fill_n(stage[I] + r * t.C, t.C, d[t.r0 + r]);
                    t.var[I] = stage[I];
                }
            }
        });
    }

    /// The tile's matrix products into zbuf, pointed at by t.z.
    static void contract(tile& t, const state& s, T (*zbuf)[cap]) {
        tl_for_each(contractions{}, [&](auto c, auto i) {
            using Z = typename decltype(c)::type;
            static_assert(std::is_same_v<shape_of_t<Z>, grid>,
                          "ctgrad: a matrix product must span the loss grid ([batch, k])");
            constexpr std::size_t I = decltype(i)::value;
            lowering::contract_forward(matrix_of<typename is_contraction<Z>::left>(s),
                                       matrix_of<typename is_contraction<Z>::right>(s), t.r0, t.R, t.c0, t.C, zbuf[I]);
            t.z[I] = zbuf[I];
        });
    }

    /// The pass over a grid of a few elements (one sample, a few outputs; rows_in_scalars): row by
    /// row, each row a tile of one row evaluated element by element in scalars, without the
    /// set-up of full tiles (their shape, vector accumulators, masked tails). Such a call is
    /// one chain of latencies and a few hundred instructions; every one saved shows.
    static void run_rows_in_scalars(const state& s, std::size_t rows, std::size_t cols, const T* scalars, double* sums,
                                    T* const* out, bool overwrite, T (*zbuf)[cap], T (*gbuf)[cap], T (*stage)[cap]) {
        T acc[reductions::size + 1] = {};
        stage_constants(s, 1, cols, stage);
        for (std::size_t r = 0; r < rows; ++r) {
            tile t;  // every pointer is set below
            t.r0 = r;
            t.R = 1;
            t.c0 = 0;
            t.C = cols;
            point_variables(t, s, cols, 1, stage);
            contract(t, s, zbuf);
            for (std::size_t c = 0; c < cols; ++c)
                evaluate_at<T>(t, c, scalars, acc, gbuf);
            tl_for_each(terms{}, [&](auto term, auto j) {
                using OT = typename decltype(term)::type;
                if (overwrite)
                    store_term<OT>(gbuf[decltype(j)::value], t, s, out);
                else
                    apply_term<OT>(gbuf[decltype(j)::value], t, s, out, cols);
            });
        }
        for (std::size_t j = 0; j < reductions::size; ++j)
            sums[j] += static_cast<double>(acc[j]);
    }

    /// Runs the pass: sums of the reductions into `sums`, gradients added into `out` (stored,
    /// if `overwrite`: only where overwrites_gradients said so).
    static void run(const state& s, double* sums, T* const* out, bool overwrite = false) {
        const std::size_t rows = rows_of(s), cols = cols_of(s);
        if (rows == 0 || cols == 0)
            return;

        // Scalars known per call: inverse sizes, scalar variables.
        T scalars[n_nodes + 1] = {};  // the run-time scalar leaves (inverse sizes) by node; only those are read
        tl_for_each(nodes{}, [&](auto node, auto i) {
            using Node = typename decltype(node)::type;
            if constexpr (is_kind_v<Node, expr_kind::terminal>) {
                using Leaf = leaf_t<Node>;
                if constexpr (is_inverse_size<Leaf>::value) {
                    scalars[decltype(i)::value] =
                        T(1) / static_cast<T>(s.size_of(typename inverse_size_axes<Leaf>::type{}));
                }
            }
        });

        alignas(64) T zbuf[contractions::size + 1][cap];
        alignas(64) T gbuf[terms::size + 1][cap];
        alignas(64) T stage[grid_vars::size + 1][cap];
        if constexpr (lowering::width<T> >= 2) {
            if (rows_in_scalars(rows, cols))
                return run_rows_in_scalars(s, rows, cols, scalars, sums, out, overwrite, zbuf, gbuf, stage);
        }

        // Tile shape: whole rows of the grid while they fit, x's rows kept within L1.
        std::size_t row_bytes = 0, longest_row = 0;
        tl_for_each(contractions{}, [&](auto c, auto) {
            using Z = typename decltype(c)::type;
            const std::size_t q = matrix_of<typename is_contraction<Z>::left>(s).cols;
            row_bytes += q * sizeof(T);
            longest_row = std::max(longest_row, q);
        });
        std::size_t R = 1, C = cap;
        if (cols <= cap) {
            C = cols;
            R = std::min(cap / cols, rows);
            if (row_bytes > 0) {
                R = std::min(R, std::max<std::size_t>(1, l1_budget / row_bytes));
                if (R < rows)  // tiles of whole blocks of the forward kernel
                    R = lowering::whole_forward_blocks<T>(R, longest_row);
            }
            // Prefer tiles of whole vectors: fewer masked tails in the elementwise part.
            constexpr std::size_t W = lowering::width<T>;
            if (R * C >= W && (R * C) % W != 0 && C < W && W % C == 0)
                R = (R * C / W) * W / C;
            R = std::max<std::size_t>(R, 1);
        }

        stage_constants(s, R, C, stage);  // variables that do not change between tiles
        for (std::size_t r0 = 0; r0 < rows; r0 += R) {
            for (std::size_t c0 = 0; c0 < cols; c0 += C) {
                tile t;  // every pointer is set below
                t.r0 = r0;
                t.R = std::min(R, rows - r0);
                t.c0 = c0;
                t.C = std::min(C, cols - c0);
                point_variables(t, s, cols, R, stage);
                contract(t, s, zbuf);
                evaluate_tile(t, scalars, sums, gbuf);
                tl_for_each(terms{}, [&](auto term, auto j) {
                    apply_term<typename decltype(term)::type>(gbuf[decltype(j)::value], t, s, out, cols);
                });
            }
        }
    }
};

}  // namespace CTGRAD_ISA_NAMESPACE
}  // namespace ctgrad::detail
