#pragma once
/// \file
/// The executor: runs a plan (lower/plan.hpp) over bound data in one sweep of the rows, in
/// tiles of R rows (and, where the plan allows it, C columns). Per tile, level by level:
///   1. the level's barriers: z = a·wᵀ (a bound, or a tile buffer of the previous layer),
///      d = g·w (the backward product into the layer below), row sums, row log-sum-exps,
///      one-hot rows;
///   2. the level's stages: SIMD loops over the tile, each distinct subexpression once per
///      element, storing the roots in tile buffers and accumulating the loss reductions;
/// then every gradient term consumes its tile buffer (dW += Gᵀ·a, db += Σ G, ...) while the
/// tile's inputs are still in cache. No buffer is larger than one tile of one value, and all
/// of them live on the stack (no heap allocation).
///
/// Kernel choices, each a named function of the plan's traits and the data's extents:
///   - `column_tiles` (plan): rows wider than a tile are split into column tiles;
///   - `rows_in_scalars`: a few elements in all (one sample, up to four outputs) are evaluated
///     row by row in scalars, without vector set-up and masked tails;
///   - `overwrites_gradients`: data of one row, each gradient written by one term: the terms
///     store their results, and nobody zeroes the gradient buffers first;
///   - `outputs_in_lanes` (lower/outputs_in_lanes.hpp), per contraction: short rows with many
///     outputs take both products with the outputs in the lanes, from a transposed copy of w
///     and into a transposed dW, staged once per call (`lanes_staging`);
///   - inside the kernels (lower/contraction.hpp): otherwise short rows are contracted
///     rows-in-lanes, long rows in register blocks.

#include <algorithm>
#include <array>
#include <cstddef>

#include "ctgrad/lower/contraction.hpp"
#include "ctgrad/lower/elementwise.hpp"
#include "ctgrad/lower/extents.hpp"
#include "ctgrad/lower/outputs_in_lanes.hpp"
#include "ctgrad/lower/plan.hpp"
#include "ctgrad/lower/simd.hpp"
#include "ctgrad/lower/tile_sums.hpp"

namespace ctgrad::detail {
inline namespace CTGRAD_ISA_NAMESPACE {

/// How a source's values map onto a stage's grid [Row, Col].
enum class grid_layout { full, rows_only, cols_only, scalar };

template <class Grid, class Src>
constexpr grid_layout layout_of() {
    using S = shape_of_t<Src>;
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
        static_assert(always_false_v<Src>,
                      "ctgrad: a variable's axes are not in the order of the values it is combined with (declare it "
                      "[batch, k], not [k, batch])");
        return grid_layout::scalar;
    }
}

/// Which contractions may take the outputs-in-lanes kernels (lower/outputs_in_lanes.hpp) in
/// precision T at all: not without SIMD, not into one static column, and not where both row
/// lengths are static and the cost model refuses them. Elsewhere neither the call nor the staged
/// copies' storage is compiled.
template <class T>
struct may_take_lanes {
    /// A contraction of rows of shape In into values of shape Out.
    template <class In, class Out>
    static constexpr bool contraction() {
        using Q = typename axis_at<In, 1>::type;
        using C = typename axis_at<Out, 1>::type;
        if constexpr (lowering::width<T> == 1 || std::is_void_v<C> || std::is_void_v<Q>)
            return false;
        else if constexpr (C::is_static && Q::is_static)
            return lowering::detail::outputs_in_lanes<T>(Q::extent, C::extent);
        else
            return !C::is_static || C::extent >= 2;
    }
    template <class B>
    static constexpr bool forward() {
        if constexpr (barrier_of<B>::kind == barrier_kind::forward_contraction)
            return contraction<shape_of_t<typename barrier_of<B>::left>, shape_of_t<B>>();
        else
            return false;
    }
    template <class OT>
    static constexpr bool weight() {
        if constexpr (is_weight_term_v<typename OT::term>)
            return contraction<shape_of_t<typename OT::term::source>, shape_of_t<typename OT::term::grid_expr>>();
        else
            return false;
    }
    /// A forward barrier z = a·wᵀ (its wᵀ staged), a weight-gradient term (its dWᵀ staged).
    template <class B>
    using forward_barrier = std::bool_constant<forward<B>()>;
    template <class OT>
    using weight_term = std::bool_constant<weight<OT>()>;
};

/// Tile sizes, one rule for every plan. `elements`: the elements a tile aims at; `cap`: elements
/// per tile buffer; `row_budget`: bytes of bound input rows a tile reads through matrix products.
template <class T, bool ColumnTiles>
struct tile_budget {
    // A plan whose values all lie on one grid (a perceptron and its losses) keeps a tile and
    // x's rows in L1: 256 elements, 32 KiB of rows (measured: 16 KiB is slower). A layered
    // plan wants many rows per tile, so that each row of a weight gradient is loaded and
    // stored once for many rows (measured at (256, 784, 64→10): 256 KiB tiles take about half
    // the time of 32 KiB ones). A sweep of both over every benchmark row: docs/performance.md,
    // "Tile sizes".
    static constexpr std::size_t elements = ColumnTiles ? 256 : 16384 / sizeof(T);
    static constexpr std::size_t row_budget = ColumnTiles ? 32 * 1024 : 256 * 1024;
    // With a weight gradient into many outputs, a one-grid tile takes blocked_gradient_rows rows
    // past the row budget (buffers: 16 rows of 32 outputs): dW += Gᵀ·x then reads x's rows once
    // per four outputs, not once per output (docs/performance.md, "Tile sizes").
    static constexpr std::size_t many_outputs = 8;
    static constexpr std::size_t cap = ColumnTiles ? 2 * elements : elements;
};

template <class Plan, class T>
struct executor {
    using plan = Plan;
    using state = bound_state<T, typename Plan::variables, typename Plan::all_axes>;
    using buffered = typename Plan::buffered;
    using reductions = typename Plan::reductions;
    using terms = typename Plan::terms;
    using nodes = typename Plan::nodes;
    using Row = typename Plan::row_axis;
    using V = lowering::vec<T>;
    static constexpr std::size_t W = lowering::width<T>;
    using budget = tile_budget<T, Plan::column_tiles>;
    static constexpr std::size_t elements = budget::elements;
    static constexpr std::size_t cap = budget::cap;
    static constexpr std::size_t row_budget = budget::row_budget;
    static_assert(cap % W == 0, "tile buffers hold whole vectors");
    using buffers = T (*)[cap];

    /// Rows [r0, r0 + R) and columns [c0, c0 + C) of the values of the plan.
    struct tile {
        std::size_t r0, R, c0, C;
    };

    // ---- extents ---------------------------------------------------------------------------

    template <class Shape>
    using column_of = typename axis_at<Shape, 1>::type;

    /// All columns of a value of Shape (1 for a value per row).
    template <class Shape>
    static std::size_t all_columns(const state& s) {
        if constexpr (std::is_void_v<column_of<Shape>>)
            return 1;
        else
            return s.template extent_of<column_of<Shape>>();
    }
    /// The columns of a value of Shape where they are static and fit a tile (the same in
    /// every tile), else 0.
    template <class Shape>
    static constexpr std::size_t static_columns = [] {
        if constexpr (std::is_void_v<column_of<Shape>>)
            return std::size_t{1};
        else if constexpr (column_of<Shape>::is_static && column_of<Shape>::extent <= elements)
            return column_of<Shape>::extent;
        else
            return std::size_t{0};
    }();
    /// The columns of a value of Shape in tile t: all of them, or the tile's (column tiles).
    /// A static extent that fits a tile is a constant: the kernels' strides are immediates.
    template <class Shape>
    static std::size_t tile_columns(const state& s, const tile& t) {
        if constexpr (static_columns<Shape> != 0)
            return static_columns<Shape>;
        else if constexpr (Plan::column_tiles)
            return t.C;
        else
            return s.template extent_of<column_of<Shape>>();
    }
    static std::size_t rows(const state& s) {
        if constexpr (tl_contains_v<typename Plan::all_axes, Row>)
            return s.template extent_of<Row>();
        else
            return 1;
    }
    /// Whether the plan has a weight gradient (dW += Gᵀ·a).
    static constexpr bool weight_gradients =
        []<class... OT>(type_list<OT...>) { return (is_weight_term_v<typename OT::term> || ...); }(terms{});

    /// The widest row of any value the tiles hold (at least 1).
    static std::size_t widest(const state& s) {
        std::size_t most = 1;
        tl_for_each(buffered{}, [&](auto n, auto) {
            most = std::max(most, all_columns<shape_of_t<typename decltype(n)::type>>(s));
        });
        tl_for_each(typename Plan::stages{},
                    [&](auto st, auto) { most = std::max(most, all_columns<typename decltype(st)::type::shape>(s)); });
        return most;
    }

    template <class N>
    static T* buffer(buffers buf) {
        return buf[tl_index_v<buffered, N>];
    }
    /// Rows of a matrix operand: a bound variable (rows from r0) or a tile buffer (from 0).
    template <class X>
    static lowering::detail::matrix_view<T> rows_of(const state& s, buffers buf, std::size_t r0, std::size_t& first) {
        if constexpr (Variable<X>) {
            first = r0;
            return {s.template data_of<X>(), all_columns<shape_of_t<X>>(s)};
        } else {
            first = 0;
            return {buffer<X>(buf), all_columns<shape_of_t<X>>(s)};
        }
    }
    template <class Wt>
    static lowering::detail::matrix_view<T> weights(const state& s) {
        return {s.template data_of<Wt>(), all_columns<shape_of_t<Wt>>(s)};
    }

    // ---- checks and kernel choices -----------------------------------------------------------

    /// Checks what the bindings alone cannot: class indices, and rows that fit a tile buffer.
    static status check(const state& s) {
        status err;
        std::size_t most = 1;
        std::string_view wide_axis;
        tl_for_each(buffered{}, [&](auto n, auto) {
            using N = typename decltype(n)::type;
            using C = column_of<shape_of_t<N>>;
            if constexpr (!std::is_void_v<C>) {
                if (s.template extent_of<C>() > most) {
                    most = s.template extent_of<C>();
                    wide_axis = C::name.view();
                }
            }
            if constexpr (barrier_of<N>::kind == barrier_kind::one_hot) {
                using info = barrier_of<N>;
                if (err.ok())
                    err = check_class_indices<typename info::classes, typename info::labels>(s);
            }
            if constexpr (barrier_of<N>::kind == barrier_kind::row_argmax) {  // torch: an error too
                using K = typename barrier_of<N>::axis;
                if (err.ok() && rows(s) > 0 && s.template extent_of<K>() == 0)
                    err = {errc::empty_axis, {}, K::name.view(), 0, 0};
            }
        });
        if (!Plan::column_tiles && err.ok() && most > cap)
            err = {errc::extent_too_large, {}, wide_axis, cap, most};
        return err;
    }

    /// A few elements in all (at most a quarter vector, or two), or one row of at most
    /// `scalar_row` elements: row by row in scalars. (Two: AVX2, (1, 10, 2) double took 82 ns
    /// through a masked 4-lane tile, 26 ns in scalars. One row of three or four outputs, prepared
    /// calls at (1, 10, K): AVX2 float 42–46 → 30–33 ns, AVX2 double 53–67 → 27–33 ns, AVX-512
    /// double 68–88 → 37–62 ns; one row of five to eight took as long either way or longer in
    /// scalars with AVX-512 floats, and two rows of three or four lost in scalars with AVX2 floats.)
    static constexpr std::size_t scalar_row = 4;
    static bool rows_in_scalars(const state& s) { return rows_in_scalars(rows(s), widest(s)); }
    static bool rows_in_scalars(std::size_t all_rows, std::size_t most) {
        return W >= 2 && (all_rows * most <= std::max<std::size_t>(W / 4, 2) || (all_rows == 1 && most <= scalar_row));
    }

    /// Whether run() writes every element of the gradient buffers itself, so that the caller
    /// need not zero them: one row, in one tile, each buffer the target of one term.
    static bool overwrites_gradients(const state& s) {
        if constexpr (Plan::one_term_per_output && terms::size > 0) {
            const std::size_t most = widest(s);
            bool nonempty = true;  // every value has columns: the pass runs
            tl_for_each(buffered{}, [&](auto n, auto) {
                nonempty = nonempty && all_columns<shape_of_t<typename decltype(n)::type>>(s) > 0;
            });
            return rows(s) == 1 && nonempty && most <= elements;
        } else {
            return false;
        }
    }

    /// Rows per tile: the tile's elements stay within `elements`, the bound rows read by matrix
    /// products within the row budget, long rows come in whole blocks of the forward kernel,
    /// and a one-grid plan with many outputs takes enough rows for the blocked weight gradient
    /// (tile_budget). Columns per tile: all, or `elements` (column tiles, one row per tile).
    static tile tile_shape(const state& s) { return tile_shape(s, widest(s)); }
    static tile tile_shape(const state& s, std::size_t most) {
        const std::size_t all_rows = rows(s);
        if (Plan::column_tiles && most > elements)
            return {0, 1, 0, elements};
        std::size_t row_bytes = 0, longest = 0;
        tl_for_each(typename Plan::barriers{}, [&](auto b, auto) {
            using info = barrier_of<typename decltype(b)::type>;
            if constexpr (info::kind == barrier_kind::forward_contraction) {
                if constexpr (Variable<typename info::left>) {
                    const std::size_t q = all_columns<shape_of_t<typename info::left>>(s);
                    row_bytes += q * sizeof(T);
                    longest = std::max(longest, q);
                }
            }
        });
        std::size_t R = std::min(all_rows, std::max<std::size_t>(1, elements / most));
        if (row_bytes > 0) {
            R = std::min(R, std::max<std::size_t>(1, row_budget / row_bytes));
            if (R < all_rows)
                R = lowering::detail::whole_forward_blocks<T>(R, longest);
        }
        constexpr std::size_t blocked = lowering::detail::blocked_gradient_rows;
        if (Plan::column_tiles && weight_gradients && most >= budget::many_outputs && R < blocked &&
            blocked * most <= cap)
            R = std::min(all_rows, blocked);
        // Prefer tiles of whole vectors: fewer masked tails in the elementwise loops.
        if (R * most >= W && (R * most) % W != 0 && most < W && W % most == 0)
            R = (R * most / W) * W / most;
        return {0, std::max<std::size_t>(R, 1), 0, most};
    }

    // ---- outputs in lanes: the staged transposes ------------------------------------------------

    /// The contractions that may take the outputs-in-lanes kernels (may_take_lanes): forward
    /// barriers (their wᵀ staged) and weight-gradient terms (their dWᵀ staged). Slot i of
    /// lanes_staging is the i-th of lanes_sites; slot lanes_slots is a dummy for the others.
    using lanes_forward = typename tl_filter<may_take_lanes<T>::template forward_barrier, typename Plan::barriers>::type;
    using lanes_gradient = typename tl_filter<may_take_lanes<T>::template weight_term, terms>::type;
    using lanes_sites = typename tl_concat<lanes_forward, lanes_gradient>::type;
    static constexpr std::size_t lanes_slots = lanes_sites::size;
    template <class X>
    static constexpr std::size_t lanes_slot = [] {
        if constexpr (tl_contains_v<lanes_sites, X>)
            return tl_index_v<lanes_sites, X>;
        else
            return lanes_slots;
    }();

    /// The outputs-in-lanes kernels' choices and copies for one call: per site, whether it
    /// takes them, its outputs C padded to whole vectors, and its wᵀ or dWᵀ. Chosen from the
    /// whole batch's extents, never a shard's, so that a row's results do not depend on the
    /// range it is evaluated in.
    struct lanes_staging {
        bool on[lanes_slots + 1] = {};
        std::size_t padded[lanes_slots + 1] = {};
        T* copy[lanes_slots + 1] = {};  // into staged_copies
        bool any() const { return std::find(on, on + lanes_slots, true) != on + lanes_slots; }
    };
    /// The storage of the staged copies, on run()'s stack: one element where no contraction may
    /// take them (a larger stack frame alone slowed some calls by up to 10 %).
    struct staged_copies {
        alignas(64) T slot[std::max<std::size_t>(lanes_slots, 1)][lanes_slots > 0 ? lowering::detail::staged_elements<T> : 1];
    };

    /// Whether site X takes the outputs-in-lanes kernels in this call (a constant where it may not).
    template <class X>
    static bool lanes_on(const lanes_staging& st) {
        if constexpr (tl_contains_v<lanes_sites, X>)
            return st.on[lanes_slot<X>];
        else
            return false;
    }
    /// The outputs-in-lanes kernels of site X, compiled only where X may take them: elsewhere
    /// (no SIMD, one static output, a cost model that refuses both static row lengths) their
    /// code would be instantiated, optimised and thrown away in every program.
    template <class X>
    static void contract_forward_outputs(lowering::detail::matrix_view<T> a, std::size_t first, std::size_t R,
                                         const lanes_staging& st, std::size_t C, T* out) {
        if constexpr (tl_contains_v<lanes_sites, X>)
            lowering::detail::contract_forward_outputs(a, first, R, st.copy[lanes_slot<X>], st.padded[lanes_slot<X>], C, out);
    }
    template <class X>
    static void accumulate_weight_gradient_outputs(const T* g, std::size_t C, lowering::detail::matrix_view<T> x,
                                                   std::size_t first, std::size_t R, const lanes_staging& st) {
        if constexpr (tl_contains_v<lanes_sites, X>)
            lowering::detail::accumulate_weight_gradient_outputs(g, C, x, first, R, st.copy[lanes_slot<X>],
                                                                 st.padded[lanes_slot<X>]);
    }

    /// Whether a contraction over rows of q into C outputs takes the outputs-in-lanes kernels:
    /// enough rows that the copies pay (a vector of them), every output in one tile.
    static bool takes_outputs_in_lanes(const state& s, std::size_t q, std::size_t C, bool whole_columns) {
        return whole_columns && rows(s) >= W && lowering::detail::outputs_in_lanes<T>(q, C);
    }

    /// Calls f(std::type_identity<X>, slot, q, C) for each site X: rows of q into C outputs.
    template <class F>
    static void for_each_lanes_site(const state& s, F&& f) {
        tl_for_each(lanes_sites{}, [&](auto x, auto i) {
            using X = typename decltype(x)::type;
            if constexpr (tl_contains_v<lanes_gradient, X>)
                f(x, i(), all_columns<shape_of_t<typename X::term::source>>(s),
                  all_columns<shape_of_t<typename X::term::grid_expr>>(s));
            else
                f(x, i(), all_columns<shape_of_t<typename barrier_of<X>::left>>(s), all_columns<shape_of_t<X>>(s));
        });
    }

    /// Chooses the kernels per site, and stages wᵀ or a zero dWᵀ in `mem` where chosen.
    static void stage_outputs_in_lanes(const state& s, bool whole_columns, lanes_staging& st, staged_copies& mem) {
        for_each_lanes_site(s, [&](auto x, std::size_t i, std::size_t q, std::size_t C) {
            using X = typename decltype(x)::type;
            st.on[i] = takes_outputs_in_lanes(s, q, C, whole_columns);
            st.padded[i] = lowering::detail::padded_outputs<T>(C);
            st.copy[i] = mem.slot[i];
            if (!st.on[i])
                return;
            if constexpr (tl_contains_v<lanes_gradient, X>)
                std::fill_n(st.copy[i], q * st.padded[i], T(0));
            else
                lowering::detail::stage_transposed(weights<typename barrier_of<X>::right>(s), C, st.padded[i], st.copy[i]);
        });
    }

    /// Adds each staged dWᵀ into its gradient buffer: the end of a call.
    static void add_staged_gradients(const state& s, const lanes_staging& st, T* const* out) {
        for_each_lanes_site(s, [&](auto x, std::size_t i, std::size_t q, std::size_t C) {
            using X = typename decltype(x)::type;
            if constexpr (tl_contains_v<lanes_gradient, X>)
                if (st.on[i])
                    lowering::detail::add_transposed(st.copy[i], q, C, st.padded[i], out[X::output]);
        });
    }

    // ---- barriers ------------------------------------------------------------------------------

    /// Runs barrier B on tile t; `one_row`: the tile is one row (the scalar path).
    template <class B, bool OneRow>
    static void run_barrier(const state& s, const tile& t, buffers buf, const lanes_staging& st) {
        using info = barrier_of<B>;
        T* out = buffer<B>(buf);
        if constexpr (info::kind == barrier_kind::forward_contraction) {
            std::size_t first;
            const auto a = rows_of<typename info::left>(s, buf, t.r0, first);
            const std::size_t C = tile_columns<shape_of_t<B>>(s, t);
            if constexpr (OneRow)
                lowering::detail::contract_row(a.row(first), weights<typename info::right>(s), t.c0, C, out);
            else if (lanes_on<B>(st))
                contract_forward_outputs<B>(a, first, t.R, st, C, out);
            else
                lowering::detail::contract_forward_kernel<T, static_columns<shape_of_t<typename info::left>>,
                                                          static_columns<shape_of_t<B>>>(
                    a, weights<typename info::right>(s), first, t.R, t.c0, C, out);
        } else if constexpr (info::kind == barrier_kind::backward_contraction) {
            const auto w = weights<typename info::right>(s);
            std::fill_n(out, t.R * w.cols, T(0));
            lowering::detail::accumulate_input_gradient(buffer<typename info::left>(buf), w, 0, t.R, 0,
                                                all_columns<shape_of_t<typename info::left>>(s), out);
        } else if constexpr (info::kind == barrier_kind::one_hot) {
            const std::size_t K = all_columns<shape_of_t<B>>(s);
            const T* y = s.template data_of<typename info::labels>() + t.r0;
            std::fill_n(out, t.R * K, T(0));
            for (std::size_t r = 0; r < t.R; ++r)  // validated by check(): an integer in [0, K)
                out[r * K + static_cast<std::size_t>(y[r])] = T(1);
        } else {
            using A = typename tl_first<typename info::inputs>::type;
            const T* a = buffer<A>(buf);
            const std::size_t C = all_columns<shape_of_t<A>>(s);
            if constexpr (info::kind == barrier_kind::row_sum) {
                std::fill_n(out, t.R, T(0));
                lowering::detail::add_row_sums(a, t.R, C, out);
            } else if constexpr (info::kind == barrier_kind::row_argmax) {
                lowering::detail::row_argmax(a, t.R, C, out);
            } else {
                lowering::detail::row_logsumexp(a, t.R, C, out);
            }
        }
    }

    // ---- stages --------------------------------------------------------------------------------

    template <class S>
    struct stage_types {
        using nodes = typename Plan::template nodes_of<S>;
        using sources = typename Plan::template sources_of<S>;
        using grid = typename S::shape;
        template <class Src>
        static constexpr grid_layout layout = layout_of<grid, Src>();
        /// Sources that are the same in every tile: a scalar, or a row of the columns.
        template <class Src>
        static constexpr bool constant = Variable<Src> && (layout<Src> == grid_layout::scalar ||
                                                           layout<Src> == grid_layout::cols_only);
    };

    /// Broadcast copies of the stages' sources, laid out as their grids: the slot of source Src
    /// of stage S; copy_slots, their number, is the slot of the sources read in place.
    template <class S, class Src>
    static constexpr std::size_t copy_slot = [] {
        std::size_t n = 0, mine = static_cast<std::size_t>(-1);
        tl_for_each(typename Plan::stages{}, [&](auto st, auto) {
            using St = typename decltype(st)::type;
            using types = stage_types<St>;
            tl_for_each(typename types::sources{}, [&](auto src, auto) {
                using X = typename decltype(src)::type;
                if (std::is_same_v<St, S> && std::is_same_v<X, Src>)
                    mine = n;
                n += types::template layout<X> != grid_layout::full;
            });
        });
        return mine == static_cast<std::size_t>(-1) ? n : mine;
    }();
    static constexpr std::size_t copy_slots = copy_slot<void, void>;
    using copies = T (*)[cap];

    /// Fills, once per pass, the copies of the sources that do not change between tiles of R
    /// rows: a scalar (R·C copies: what a tile reads), a row of the columns over R > 1 rows.
    static void copy_constants(const state& s, const tile& shape, copies copy) {
        tl_for_each(typename Plan::stages{}, [&](auto st, auto) {
            using S = typename decltype(st)::type;
            using types = stage_types<S>;
            const std::size_t C = tile_columns<typename S::shape>(s, shape);
            tl_for_each(typename types::sources{}, [&](auto src, auto) {
                using X = typename decltype(src)::type;
                if constexpr (types::template constant<X>) {
                    T* to = copy[copy_slot<S, X>];
                    const T* d = s.template data_of<X>();
                    if constexpr (types::template layout<X> == grid_layout::scalar)
                        std::fill_n(to, shape.R * C, d[0]);
                    else if (shape.R > 1)
                        for (std::size_t r = 0; r < shape.R; ++r)
                            std::copy_n(d, C, to + r * C);
                }
            });
        });
    }

    /// Where each source of stage S is in tile t, laid out as the stage's grid: in place (bound
    /// data, a tile buffer) where the layouts agree, else a broadcast copy.
    template <class S>
    static void point_sources(const state& s, const tile& t, std::size_t C, buffers buf, copies copy, const T** src) {
        using types = stage_types<S>;
        tl_for_each(typename types::sources{}, [&](auto n, auto i) {
            using X = typename decltype(n)::type;
            constexpr auto layout = types::template layout<X>;
            constexpr std::size_t I = decltype(i)::value;
            T* mine = copy[copy_slot<S, X>];
            const T* base;
            std::size_t first;  // the source's row of the tile's first row
            if constexpr (Variable<X>) {
                base = s.template data_of<X>();
                first = t.r0;
            } else {
                base = buffer<X>(buf);
                first = 0;
            }
            if constexpr (layout == grid_layout::full) {
                src[I] = base + first * all_columns<shape_of_t<X>>(s) + (Variable<X> ? t.c0 : 0);
            } else if constexpr (layout == grid_layout::scalar) {
                src[I] = mine;
            } else if constexpr (layout == grid_layout::cols_only) {
                src[I] = t.R > 1 ? mine : base + t.c0;
            } else if (C == 1) {  // rows_only on a grid of one column
                src[I] = base + first;
            } else {
                for (std::size_t r = 0; r < t.R; ++r)
                    std::fill_n(mine + r * C, C, base[first + r]);
                src[I] = mine;
            }
        });
    }

    /// The value of a leaf of a stage: a source loaded, a constant or a run-time scalar splatted.
    template <class Sources, class Node, class Vec>
    static Vec load_leaf(const T* const* src, std::size_t idx, const T* scalars) {
        if constexpr (tl_contains_v<Sources, Node>) {
            return lowering::vload<Vec>(src[tl_index_v<Sources, Node>] + idx);
        } else {
            using Leaf = leaf_t<Node>;
            if constexpr (is_constant<Leaf>::value)
                return lowering::vsplat<Vec>(Leaf::template value<T>());
            else if constexpr (is_broadcast_one_v<Leaf>)
                return lowering::vsplat<Vec>(T(1));
            else
                return lowering::vsplat<Vec>(scalars[tl_index_v<nodes, Node>]);
        }
    }

    /// Evaluates the elements [idx, idx + lanes of Vec) of stage S: roots stored into their
    /// buffers at `store_at`, the loss reductions whose argument is a root of S added to acc.
    template <class S, class Vec>
    static void evaluate_at(const T* const* src, std::size_t idx, std::size_t store_at, const T* scalars, buffers buf,
                            Vec* acc) {
        using types = stage_types<S>;
        using stage_nodes = typename types::nodes;
        using sources = typename types::sources;
        Vec vals[stage_nodes::size];
        tl_for_each(stage_nodes{}, [&](auto n, auto i) {
            using Node = typename decltype(n)::type;
            if constexpr (tl_contains_v<sources, Node> || is_kind_v<Node, expr_kind::terminal>) {
                vals[decltype(i)::value] = load_leaf<sources, Node, Vec>(src, idx, scalars);
            } else {
                vals[decltype(i)::value] = apply_elementwise<Node>([&](auto c) -> const Vec& {
                    return vals[tl_index_v<stage_nodes,
                                           std::remove_cvref_t<decltype(child<decltype(c)::value>(Node{}))>>];
                });
            }
        });
        tl_for_each(typename S::roots{}, [&](auto n, auto) {
            using Root = typename decltype(n)::type;
            if constexpr (tl_contains_v<buffered, Root>)
                lowering::vstore(buffer<Root>(buf) + store_at, vals[tl_index_v<stage_nodes, Root>]);
        });
        tl_for_each(reductions{}, [&](auto red, auto j) {
            using Arg = typename reduction_arg<typename decltype(red)::type>::type;
            if constexpr (tl_contains_v<typename S::roots, Arg>)
                acc[decltype(j)::value] += vals[tl_index_v<stage_nodes, Arg>];
        });
    }

    /// One loop over the tile's grid of stage S, in vectors (Vec = V) or scalars (Vec = T).
    template <class S, class Vec>
    static void run_stage(const state& s, const tile& t, buffers buf, copies copy, const T* scalars, double* sums) {
        using sources = typename stage_types<S>::sources;
        constexpr std::size_t lanes = sizeof(Vec) / sizeof(T);
        const std::size_t C = tile_columns<typename S::shape>(s, t);
        const std::size_t len = t.R * C;
        if (len == 0)
            return;
        const T* src[sources::size + 1];
        point_sources<S>(s, t, C, buf, copy, src);

        Vec acc[reductions::size + 1];
        for (auto& a : acc)
            a = lowering::vsplat<Vec>(T(0));
        std::size_t idx = 0;
        for (; idx + lanes <= len; idx += lanes)
            evaluate_at<S, Vec>(src, idx, idx, scalars, buf, acc);
        if constexpr (lanes > 1) {
            if (idx < len) {  // the last partial vector: padded copies of the sources, masked sums
                const std::size_t rest = len - idx;
                alignas(64) T pad[sources::size + 1][lanes];
                const T* padded[sources::size + 1];
                for (std::size_t i = 0; i < sources::size; ++i) {
                    lowering::vstore(pad[i], lowering::detail::vload_partial<Vec>(src[i] + idx, rest));
                    padded[i] = pad[i];
                }
                // The same evaluation as the full vectors' (one instantiation per stage, not two),
                // its sums into zeros: they are that vector's values, whose lanes past `rest` are
                // dropped before they join acc. Tile buffers hold whole vectors: the roots' store
                // may run past len.
                Vec last[reductions::size + 1];
                for (auto& a : last)
                    a = lowering::vsplat<Vec>(T(0));
                evaluate_at<S, Vec>(padded, 0, idx, scalars, buf, last);
                const auto in = lowering::vload<Vec>(lowering::detail::lane_index<T>.data()) < lowering::vsplat<Vec>(T(rest));
                for (std::size_t j = 0; j < reductions::size; ++j)
                    acc[j] += lowering::vselect(in, last[j], lowering::vsplat<Vec>(T(0)));
            }
        }
        tl_for_each(reductions{}, [&](auto red, auto j) {
            using Arg = typename reduction_arg<typename decltype(red)::type>::type;
            if constexpr (tl_contains_v<typename S::roots, Arg>)
                sums[decltype(j)::value] += static_cast<double>(lowering::vsum(acc[decltype(j)::value]));
        });
    }

    // ---- gradient terms -----------------------------------------------------------------------

    template <class Over, class G>
    static constexpr bool keeps_rows = std::is_same_v<typename axis_at<shape_of_t<G>, 0>::type, Row> &&
                                       !contains_v<Row, Over>;
    template <class Over, class G>
    static constexpr bool keeps_columns = !std::is_void_v<column_of<shape_of_t<G>>> &&
                                          !contains_v<column_of<shape_of_t<G>>, Over>;

    /// Adds gradient term OT of tile t (its G in a tile buffer) into its gradient buffer
    /// (OneRow: t is one row of the scalar path).
    template <class OT, bool OneRow>
    static void apply_term(const state& s, const tile& t, buffers buf, lanes_staging& st, T* const* out) {
        using Term = typename OT::term;
        using G = typename Term::grid_expr;
        const T* g = buffer<G>(buf);
        const std::size_t C = tile_columns<shape_of_t<G>>(s, t), cols = all_columns<shape_of_t<G>>(s);
        T* dst = out[OT::output];
        if constexpr (is_weight_term_v<Term>) {
            std::size_t first;
            const auto x = rows_of<typename Term::source>(s, buf, t.r0, first);
            if (!OneRow && lanes_on<OT>(st))  // never for one row
                accumulate_weight_gradient_outputs<OT>(g, C, x, first, t.R, st);
            else
                lowering::detail::accumulate_weight_gradient(g, x, first, t.R, t.c0, C, dst);
        } else if constexpr (is_result_term_v<Term>) {  // a forward pass: the value itself
            for (std::size_t r = 0; r < t.R; ++r)
                std::copy_n(g + r * C, C, dst + (t.r0 + r) * cols + t.c0);
        } else if constexpr (is_input_term_v<Term>) {
            lowering::detail::accumulate_input_gradient(g, weights<typename Term::weights>(s), t.r0, t.R, t.c0, C, dst);
        } else if constexpr (is_reduce_term_v<Term>) {
            using Over = typename Term::over;
            if constexpr (keeps_rows<Over, G> && keeps_columns<Over, G>)
                lowering::detail::add_tile(g, t.R, C, dst + t.r0 * cols + t.c0, cols);
            else if constexpr (keeps_rows<Over, G>)
                lowering::detail::add_row_sums(g, t.R, C, dst + t.r0);
            else if constexpr (keeps_columns<Over, G>)
                lowering::detail::add_column_sums(g, t.R, C, dst + t.c0);
            else
                lowering::detail::add_total(g, t.R * C, dst);
        } else {
            static_assert(std::is_same_v<shape_of_t<typename OT::variable>, shape_of_t<G>>,
                          "ctgrad: a pointwise gradient needs its variable to have the gradient's axes, in order");
            lowering::detail::add_tile(g, t.R, C, dst + t.r0 * cols + t.c0, cols);
        }
    }

    /// As apply_term, for the only tile of data of one row, into a gradient buffer that this
    /// term alone writes and nobody zeroed: stores instead of adding. (Adding would load what
    /// the zeroing just stored, in other widths than it was stored: on x86 such a load waits
    /// for the stores to retire, and a one-sample call becomes a chain of such waits.)
    template <class OT>
    static void store_term(const state& s, const tile& t, buffers buf, T* const* out) {
        using Term = typename OT::term;
        using G = typename Term::grid_expr;
        const T* g = buffer<G>(buf);
        const std::size_t C = tile_columns<shape_of_t<G>>(s, t);
        T* dst = out[OT::output];
        if constexpr (is_weight_term_v<Term>) {
            std::size_t first;
            const auto x = rows_of<typename Term::source>(s, buf, t.r0, first);
            lowering::detail::store_weight_gradient_row(g, x.row(first), x.cols, C, dst);
        } else if constexpr (is_input_term_v<Term>) {
            const auto w = weights<typename Term::weights>(s);
            lowering::detail::store_input_gradient_row(g, w, 0, C, dst + t.r0 * w.cols);
        } else {
            constexpr bool keep_cols = [] {
                if constexpr (is_reduce_term_v<Term>)  // a sum over the rows of one row keeps the columns
                    return keeps_columns<typename Term::over, G>;
                else
                    return true;  // pointwise: the value itself
            }();
            if constexpr (keep_cols) {
                for (std::size_t c = 0; c < C; ++c)
                    dst[c] = g[c];
            } else {  // a total over the row
                T a = T(0);
                for (std::size_t c = 0; c < C; ++c)
                    a += g[c];
                dst[0] = a;
            }
        }
    }

    // ---- the sweep --------------------------------------------------------------------------

    template <std::size_t Level, class Vec, bool OneRow>
    static void run_level(const state& s, const tile& t, buffers buf, copies copy, const lanes_staging& st,
                          const T* scalars, double* sums) {
        tl_for_each(typename Plan::template barriers_at<Level>{},
                    [&](auto b, auto) { run_barrier<typename decltype(b)::type, OneRow>(s, t, buf, st); });
        tl_for_each(typename Plan::template stages_at<Level>{}, [&](auto st, auto) {
            run_stage<typename decltype(st)::type, Vec>(s, t, buf, copy, scalars, sums);
        });
    }

    /// Runs tile t, its stages in Vec (a vector, or T: the scalar path, where tiles are one row).
    /// Always inlined: into run() on the scalar path, where a call per row of a one-sample call
    /// (which g++ made for two outputs) cost a third of it; into run_vector_tile otherwise.
    template <class Vec, bool OneRow>
    [[gnu::always_inline]] static void run_tile(const state& s, const tile& t, buffers buf, copies copy, lanes_staging& st,
                         const T* scalars, double* sums, T* const* out, bool overwrite) {
        [&]<std::size_t... L>(std::index_sequence<L...>) {
            (run_level<L, Vec, OneRow>(s, t, buf, copy, st, scalars, sums), ...);
        }
        (std::make_index_sequence<Plan::levels>{});
        tl_for_each(terms{}, [&](auto term, auto) {
            using OT = typename decltype(term)::type;
            if (overwrite)
                store_term<OT>(s, t, buf, out);
            else
                apply_term<OT, OneRow>(s, t, buf, st, out);
        });
    }

    /// run_tile in vectors: left to g++'s inlining heuristics, as the kernels it calls are.
    static void run_vector_tile(const state& s, const tile& t, buffers buf, copies copy, lanes_staging& st,
                                const T* scalars, double* sums, T* const* out, bool overwrite) {
        run_tile<V, false>(s, t, buf, copy, st, scalars, sums, out, overwrite);
    }

    /// Runs the plan on the rows [first, last) of the data (all of them by default; a shard
    /// of api/shards.hpp otherwise): sums of the loss reductions into `sums`, gradients added
    /// into `out` (stored, if `overwrite`: only where overwrites_gradients said so). Sizes
    /// (inverse-size leaves) and tiles are the whole batch's, so a row's contribution does
    /// not depend on the range it is evaluated in. check(s) must have passed.
    static void run(const state& s, double* sums, T* const* out, bool overwrite = false, std::size_t first = 0,
                    std::size_t last = static_cast<std::size_t>(-1)) {
        const std::size_t all_rows = rows(s);
        last = std::min(last, all_rows);
        if (first >= last)
            return;
        T scalars[nodes::size + 1] = {};  // the run-time scalar leaves (inverse sizes) by node
        tl_for_each(nodes{}, [&](auto node, auto i) {
            using Node = typename decltype(node)::type;
            if constexpr (is_kind_v<Node, expr_kind::terminal>) {
                using Leaf = leaf_t<Node>;
                if constexpr (is_inverse_size<Leaf>::value)
                    scalars[decltype(i)::value] =
                        T(1) / static_cast<T>(s.size_of(typename inverse_size_axes<Leaf>::type{}));
            }
        });
        alignas(64) T buf[buffered::size + 1][cap];
        alignas(64) T copy[copy_slots + 1][cap];
        lanes_staging staging;  // the outputs-in-lanes kernels' choices: none on the scalar path

        const std::size_t most = widest(s);  // the widest row: decides the path and the tiles
        if (W >= 2 && rows_in_scalars(all_rows, most)) {  // one row per tile, in scalars
            const tile shape{0, 1, 0, most};
            copy_constants(s, shape, copy);
            for (std::size_t r = first; r < last; ++r)
                run_tile<T, true>(s, {r, 1, 0, shape.C}, buf, copy, staging, scalars, sums, out, overwrite);
            return;
        }
        const tile shape = tile_shape(s, most);
        const std::size_t all_cols = Plan::column_tiles ? most : shape.C;
        copy_constants(s, shape, copy);
        staged_copies mem;
        stage_outputs_in_lanes(s, shape.C == all_cols, staging, mem);
        const bool staged = staging.any();
        for (std::size_t r0 = first; r0 < last; r0 += shape.R)
            for (std::size_t c0 = 0; c0 < all_cols; c0 += shape.C) {
                const tile t{r0, std::min(shape.R, last - r0), c0, std::min(shape.C, all_cols - c0)};
                run_vector_tile(s, t, buf, copy, staging, scalars, sums, out, overwrite);
            }
        if (staged)
            add_staged_gradients(s, staging, out);
    }
};

// ---- a loss's passes (plan_of::parameter_passes) ------------------------------------------------

template <class Plan>
inline constexpr bool has_parameter_passes_v = Plan::parameter_passes::size > 0;

/// check() of the main pass, then of each pass over parameters: the first problem found.
template <class Plan, class T>
status check_passes(const typename executor<Plan, T>::state& s) {
    status err = executor<Plan, T>::check(s);
    tl_for_each(typename Plan::parameter_passes{}, [&](auto p, auto) {
        if (err.ok())
            err = executor<typename decltype(p)::type, T>::check(s);
    });
    return err;
}

/// Runs the passes over parameters alone, after the main pass: their loss reductions into
/// `sums`, their gradient terms added into `out`.
template <class Plan, class T>
void run_parameter_passes(const typename executor<Plan, T>::state& s, double* sums, T* const* out) {
    tl_for_each(typename Plan::parameter_passes{},
                [&](auto p, auto) { executor<typename decltype(p)::type, T>::run(s, sums, out, false); });
}

}  // namespace CTGRAD_ISA_NAMESPACE
}  // namespace ctgrad::detail
