#pragma once
/// \file
/// The SIMD kernels around a contraction z = x · wᵀ on one tile of rows [r0, r0 + R) and
/// columns [c0, c0 + C): forward dot products, and the two backward products that consume an
/// evaluated grid expression G (dW += Gᵀ·X, dX += G·W). All loop over the contracted axis q
/// with full vectors, then one masked vector for the tail, so every length is correct and no
/// element past the end of a row is read. Short rows (a few vectors) are contracted
/// rows-in-lanes: one row per lane, so no horizontal sum per dot product.

#include <cstddef>

#include "ctgrad/lower/simd.hpp"

namespace ctgrad::lowering {
inline namespace CTGRAD_ISA_NAMESPACE {
namespace detail {  // the kernels of the executor: not an interface

/// A row-major matrix view: rows of `cols` contiguous elements.
template <class T>
struct matrix_view {
    const T* data;
    std::size_t cols;
    const T* row(std::size_t r) const { return data + r * cols; }
};

/// MR rows of x against NR rows of w: MR·NR dot products of length q, register-blocked.
/// With few products (MR·NR < 8) each keeps two accumulators, even and odd vectors, so that
/// enough independent FMA chains are in flight to hide the FMA latency.
template <std::size_t MR, std::size_t NR, class T>
inline void dot_block(const T* const* xr, const T* const* wr, std::size_t q, T* out, std::size_t out_stride) {
    using V = vec<T>;
    constexpr std::size_t W = width<T>;
    constexpr std::size_t S = MR * NR < 8 ? 2 : 1;  // accumulators per product
    V acc[S][MR][NR];
    for (std::size_t s = 0; s < S; ++s)
        for (std::size_t i = 0; i < MR; ++i)
            for (std::size_t j = 0; j < NR; ++j)
                acc[s][i][j] = vsplat<V>(T(0));
    std::size_t k = 0;
    for (; k + S * W <= q; k += S * W) {
        for (std::size_t s = 0; s < S; ++s) {
            V wv[NR];
            for (std::size_t j = 0; j < NR; ++j) {
                wv[j] = vload<V>(wr[j] + k + s * W);
                vpin(wv[j]);
            }
            for (std::size_t i = 0; i < MR; ++i) {
                V xv = vload<V>(xr[i] + k + s * W);
                vpin(xv);
                for (std::size_t j = 0; j < NR; ++j)
                    acc[s][i][j] = vfma(xv, wv[j], acc[s][i][j]);
            }
        }
    }
    for (; k + W <= q; k += W) {
        for (std::size_t i = 0; i < MR; ++i)
            for (std::size_t j = 0; j < NR; ++j)
                acc[0][i][j] = vfma(vload<V>(xr[i] + k), vload<V>(wr[j] + k), acc[0][i][j]);
    }
    if (k < q) {  // the tail of q: one masked vector per row
        const std::size_t rest = q - k;
        V wv[NR];
        for (std::size_t j = 0; j < NR; ++j)
            wv[j] = vload_partial<V>(wr[j] + k, rest);
        for (std::size_t i = 0; i < MR; ++i) {
            const V xv = vload_partial<V>(xr[i] + k, rest);
            for (std::size_t j = 0; j < NR; ++j)
                acc[0][i][j] = vfma(xv, wv[j], acc[0][i][j]);
        }
    }
    for (std::size_t i = 0; i < MR; ++i)
        for (std::size_t j = 0; j < NR; ++j) {
            V total = acc[0][i][j];
            for (std::size_t s = 1; s < S; ++s)
                total += acc[s][i][j];
            out[i * out_stride + j] = vsum(total);
        }
}

/// Columns of w per register block: four where there are 32 vector registers (AVX-512).
template <class T>
inline constexpr std::size_t dot_columns = sizeof(vec<T>) >= 64 ? 4 : 2;

template <std::size_t MR, class T>
inline void dot_rows(const T* const* xr, matrix_view<T> w, std::size_t c0, std::size_t C, T* out,
                     std::size_t out_stride) {
    constexpr std::size_t NR = dot_columns<T>;
    std::size_t c = 0;
    for (; c + NR <= C; c += NR) {
        const T* wr[NR];
        for (std::size_t j = 0; j < NR; ++j)
            wr[j] = w.row(c0 + c + j);
        dot_block<MR, NR>(xr, wr, w.cols, out + c, out_stride);
    }
    if constexpr (NR > 2) {
        if (c + 2 <= C) {
            const T* wr[2] = {w.row(c0 + c), w.row(c0 + c + 1)};
            dot_block<MR, 2>(xr, wr, w.cols, out + c, out_stride);
            c += 2;
        }
    }
    if (c < C) {
        const T* wr[1] = {w.row(c0 + c)};
        dot_block<MR, 1>(xr, wr, w.cols, out + c, out_stride);
    }
}

/// Rows-in-lanes: the dot products of width<T> consecutive rows of x with one row w, returned
/// as one vector (lane l: row l). Each row has its own accumulator (width<T> independent FMA
/// chains), reduced all at once by vsum_each; q's tail (q mod width) is added per lane.
template <class T>
inline vec<T> dot_lanes(const T* x0, std::size_t x_stride, const T* wr, std::size_t q) {
    using V = vec<T>;
    constexpr std::size_t W = width<T>;
    V acc[W];
    for (std::size_t l = 0; l < W; ++l)
        acc[l] = vsplat<V>(T(0));
    std::size_t k = 0;
    for (; k + W <= q; k += W) {
        const V wv = vload<V>(wr + k);
        for (std::size_t l = 0; l < W; ++l)
            acc[l] = vfma(vload<V>(x0 + l * x_stride + k), wv, acc[l]);
    }
    if (k < q) {  // the tail of q: one masked vector per row
        const std::size_t rest = q - k;
        const V wv = vload_partial<V>(wr + k, rest);
        for (std::size_t l = 0; l < W; ++l)
            acc[l] = vfma(vload_partial<V>(x0 + l * x_stride + k, rest), wv, acc[l]);
    }
    return vsum_each(acc);
}

/// Rows up to this many vectors long are contracted rows-in-lanes: there a horizontal sum
/// per dot product would cost as much as the products themselves.
template <class T>
inline constexpr std::size_t lanes_max_vectors = 32;

/// Whether contract_forward takes rows of length q one row per lane (short rows) rather than
/// in register blocks of six and four rows (long rows).
template <class T>
constexpr bool rows_in_lanes(std::size_t q) {
    return width<T> > 1 && q <= lanes_max_vectors<T> * width<T>;
}

/// The number of rows, at most R, that contract_forward takes in whole blocks when rows of
/// length q are long: R mod 6 is 0 or 4 (blocks of six, then of four), so no row is left to
/// the one-row kernel: 5 → 4, 7, 8, 9 → 6. R ≤ 4 and short rows are left as they are.
/// (AVX2, (64, 784, 10) double: tiles of 5 rows took 84 µs, of 4 rows 67 µs.)
template <class T>
constexpr std::size_t whole_forward_blocks(std::size_t R, std::size_t q) {
    if (rows_in_lanes<T>(q))
        return R;
    while (R > 4 && R % 6 != 0 && R % 6 != 4)
        --R;
    return R;
}

/// z[r·C + c] = x[r0 + r] · w[c0 + c] for the tile (x and w share their row length q; Q, if
/// not 0, is q known at compile time).
template <class T, std::size_t Q = 0>
inline void contract_forward(matrix_view<T> x, matrix_view<T> w, std::size_t r0, std::size_t R, std::size_t c0,
                             std::size_t C, T* z) {
    constexpr std::size_t MR = 4;
    constexpr std::size_t W = width<T>;
    // Static short rows go rows-in-lanes, which leaves fewer than W rows: the blocks of six
    // (four) rows below are dead code where W ≤ 6 (≤ 4), and are not compiled there.
    constexpr bool lanes_only = Q != 0 && rows_in_lanes<T>(Q);
    std::size_t r = 0;
    if constexpr (W > 1) {
        if (rows_in_lanes<T>(x.cols)) {
            for (; r + W <= R; r += W)
                for (std::size_t c = 0; c < C; ++c) {
                    const auto zv = dot_lanes(x.row(r0 + r), x.cols, w.row(c0 + c), x.cols);
                    if (C == 1) {
                        vstore(z + r, zv);
                    } else {
                        alignas(64) T lanes[W];
                        vstore(lanes, zv);
                        for (std::size_t l = 0; l < W; ++l)
                            z[(r + l) * C + c] = lanes[l];
                    }
                }
        }
    }
    // Six rows at a time where w is long: w streams from L2 once per six rows of x, not four
    // (6·NR accumulators, NR + 1 operands: within the registers of every instruction set).
    if constexpr (!lanes_only || W > 6)
        for (; r + 6 <= R; r += 6) {
            const T* xr[6] = {x.row(r0 + r),     x.row(r0 + r + 1), x.row(r0 + r + 2),
                              x.row(r0 + r + 3), x.row(r0 + r + 4), x.row(r0 + r + 5)};
            dot_rows<6>(xr, w, c0, C, z + r * C, C);
        }
    if constexpr (!lanes_only || W > MR)
        for (; r + MR <= R; r += MR) {
            const T* xr[MR] = {x.row(r0 + r), x.row(r0 + r + 1), x.row(r0 + r + 2), x.row(r0 + r + 3)};
            dot_rows<MR>(xr, w, c0, C, z + r * C, C);
        }
    for (; r < R; ++r) {
        const T* xr[1] = {x.row(r0 + r)};
        dot_rows<1>(xr, w, c0, C, z + r * C, C);
    }
}

/// contract_forward out of line, with the row length Q and the outputs C as constants where
/// they are static (0: known at run time only), and everything it calls inlined into it. Its
/// code is then the same in every translation unit: a unit with many models (the benchmarks,
/// the tests) reaches g++'s inlining limits, and contract_forward called from there, with its
/// extents unknown, took 18 % longer at (4096, 64, 1) float.
template <class T, std::size_t Q, std::size_t C>
[[gnu::noinline, gnu::flatten]] void contract_forward_kernel(matrix_view<T> x, matrix_view<T> w, std::size_t r0,
                                                              std::size_t R, std::size_t c0, std::size_t cols, T* z) {
    if constexpr (Q != 0) {
        x.cols = Q;
        w.cols = Q;
    }
    contract_forward<T, Q>(x, w, r0, R, c0, C != 0 ? C : cols, z);
}

/// z[c] = x · w[c0 + c] for one row x: contract_forward's one-row kernel, for callers that
/// know they hold one row (no run-time choice of a kernel, a call the compiler inlines).
template <class T>
inline void contract_row(const T* x, matrix_view<T> w, std::size_t c0, std::size_t C, T* z) {
    const T* xr[1] = {x};
    dot_rows<1>(xr, w, c0, C, z, C);
}

/// out[k, k + U·W) += Σ_r g_r · x_r[k, k + U·W), with P row phases: U·P independent FMA chains.
template <std::size_t U, std::size_t P, class T>
inline void axpy_rows(const T* g, std::size_t g_stride, matrix_view<T> x, std::size_t r0, std::size_t R, std::size_t k,
                      T* out) {
    using V = vec<T>;
    constexpr std::size_t W = width<T>;
    if (P > 1 && R < P) {  // too few rows for phases (one sample): one chain, no sum of phases
        for (std::size_t u = 0; u < U; ++u) {
            V a = vload<V>(out + k + u * W);
            for (std::size_t r = 0; r < R; ++r)
                a = vfma(vsplat<V>(g[r * g_stride]), vload<V>(x.row(r0 + r) + k + u * W), a);
            vstore(out + k + u * W, a);
        }
        return;
    }
    V a[P][U];
    for (std::size_t u = 0; u < U; ++u) {
        a[0][u] = vload<V>(out + k + u * W);
        for (std::size_t p = 1; p < P; ++p)
            a[p][u] = vsplat<V>(T(0));
    }
    std::size_t r = 0;
    for (; r + P <= R; r += P)
        for (std::size_t p = 0; p < P; ++p) {
            const V s = vsplat<V>(g[(r + p) * g_stride]);
            const T* xr = x.row(r0 + r + p) + k;
            for (std::size_t u = 0; u < U; ++u)
                a[p][u] = vfma(s, vload<V>(xr + u * W), a[p][u]);
        }
    for (; r < R; ++r) {
        const V s = vsplat<V>(g[r * g_stride]);
        const T* xr = x.row(r0 + r) + k;
        for (std::size_t u = 0; u < U; ++u)
            a[0][u] = vfma(s, vload<V>(xr + u * W), a[0][u]);
    }
    for (std::size_t u = 0; u < U; ++u) {
        V total = a[0][u];
        for (std::size_t p = 1; p < P; ++p)
            total += a[p][u];
        vstore(out + k + u * W, total);
    }
}

/// out[k, k + rest) += Σ_r g[r·stride] · x_r[k, k + rest), rest < width: one masked vector.
template <class T>
inline void axpy_tail(const T* g, std::size_t g_stride, matrix_view<T> x, std::size_t r0, std::size_t R, std::size_t k,
                      std::size_t rest, T* out) {
    using V = vec<T>;
    V a = vload_partial<V>(out + k, rest);
    for (std::size_t r = 0; r < R; ++r)
        a = vfma(vsplat<V>(g[r * g_stride]), vload_partial<V>(x.row(r0 + r) + k, rest), a);
    vstore_partial(out + k, a, rest);
}

/// dw[c0 + c][k, k + U·W) += Σ_r g[r·C + c] · x_r[k, k + U·W) for NC columns c at once: each
/// vector of x is loaded once and used NC times (NC·U accumulators, U loads and NC broadcasts
/// per row of x).
template <std::size_t NC, std::size_t U, class T>
inline void axpy_columns(const T* g, std::size_t C, matrix_view<T> x, std::size_t r0, std::size_t R, std::size_t k,
                         T* const* out) {
    using V = vec<T>;
    constexpr std::size_t W = width<T>;
    V a[NC][U];
    for (std::size_t c = 0; c < NC; ++c)
        for (std::size_t u = 0; u < U; ++u)
            a[c][u] = vload<V>(out[c] + k + u * W);
    for (std::size_t r = 0; r < R; ++r) {
        const T* xr = x.row(r0 + r) + k;
        V xv[U];
        for (std::size_t u = 0; u < U; ++u) {
            xv[u] = vload<V>(xr + u * W);
            vpin(xv[u]);  // loaded once, used NC times
        }
        for (std::size_t c = 0; c < NC; ++c) {
            const V s = vsplat<V>(g[r * C + c]);
            for (std::size_t u = 0; u < U; ++u)
                a[c][u] = vfma(s, xv[u], a[c][u]);
        }
    }
    for (std::size_t c = 0; c < NC; ++c)
        for (std::size_t u = 0; u < U; ++u)
            vstore(out[c] + k + u * W, a[c][u]);
}

/// Vectors of x per row in one step of axpy_columns<4, U>: as many as the registers hold.
template <class T>
inline constexpr std::size_t columns_unroll = sizeof(vec<T>) >= 64 ? 4 : 2;

/// The rows from which accumulate_weight_gradient takes four columns of dw at a time (with
/// fewer rows, loading and storing dw would dominate).
inline constexpr std::size_t blocked_gradient_rows = 16;

/// dw[c0 + c] += Σ_r g[r·C + c] · x[r0 + r]: the weight gradient of a tile. Eight FMA chains
/// in flight: eight vectors of a row of dw, or fewer vectors and several rows of x at a time.
/// Tiles of blocked_gradient_rows or more take four columns at a time, so that each vector of
/// x is loaded once for four rows of dw.
template <class T>
inline void accumulate_weight_gradient(const T* g, matrix_view<T> x, std::size_t r0, std::size_t R, std::size_t c0,
                                       std::size_t C, T* dw) {
    constexpr std::size_t W = width<T>;
    const std::size_t q = x.cols;
    std::size_t c = 0;
    if (W > 1 && R >= blocked_gradient_rows) {
        constexpr std::size_t NC = 4, U = columns_unroll<T>;
        for (; c + NC <= C; c += NC) {
            T* out[NC];
            for (std::size_t j = 0; j < NC; ++j)
                out[j] = dw + (c0 + c + j) * q;
            const T* gc = g + c;
            std::size_t k = 0;
            for (; k + U * W <= q; k += U * W)
                axpy_columns<NC, U>(gc, C, x, r0, R, k, out);
            for (; k + W <= q; k += W)
                axpy_columns<NC, 1>(gc, C, x, r0, R, k, out);
            if (k < q)
                for (std::size_t j = 0; j < NC; ++j)
                    axpy_tail(gc + j, C, x, r0, R, k, q - k, out[j]);
        }
    }
    for (; c < C; ++c) {
        T* out = dw + (c0 + c) * q;
        const T* gc = g + c;
        std::size_t k = 0;
        for (; k + 8 * W <= q; k += 8 * W)
            axpy_rows<8, 1>(gc, C, x, r0, R, k, out);
        for (; k + 4 * W <= q; k += 4 * W)
            axpy_rows<4, 2>(gc, C, x, r0, R, k, out);
        for (; k + 2 * W <= q; k += 2 * W)
            axpy_rows<2, 4>(gc, C, x, r0, R, k, out);
        for (; k + W <= q; k += W)
            axpy_rows<1, 4>(gc, C, x, r0, R, k, out);
        if (k < q)
            axpy_tail(gc, C, x, r0, R, k, q - k, out);
    }
}

/// dw[c] = g[c] · x for c < C, rows of length q: the weight gradient of a grid of one row,
/// stored rather than added (the buffer holds nothing yet: nothing is read from it).
template <class T>
inline void store_weight_gradient_row(const T* g, const T* x, std::size_t q, std::size_t C, T* dw) {
    using V = vec<T>;
    constexpr std::size_t W = width<T>;
    for (std::size_t c = 0; c < C; ++c) {
        const V s = vsplat<V>(g[c]);
        T* out = dw + c * q;
        std::size_t k = 0;
        for (; k + W <= q; k += W)
            vstore(out + k, s * vload<V>(x + k));
        if (k < q)
            vstore_first(out + k, s * vload_partial<V>(x + k, q - k), q - k);
    }
}

/// dx = Σ_c g[c] · w[c0 + c], c < C: the input gradient of one row, stored rather than added.
template <class T>
inline void store_input_gradient_row(const T* g, matrix_view<T> w, std::size_t c0, std::size_t C, T* dx) {
    using V = vec<T>;
    constexpr std::size_t W = width<T>;
    const std::size_t q = w.cols;
    std::size_t k = 0;
    for (; k + W <= q; k += W) {
        V a = vsplat<V>(T(0));
        for (std::size_t c = 0; c < C; ++c)
            a = vfma(vsplat<V>(g[c]), vload<V>(w.row(c0 + c) + k), a);
        vstore(dx + k, a);
    }
    if (k < q) {
        const std::size_t rest = q - k;
        V a = vsplat<V>(T(0));
        for (std::size_t c = 0; c < C; ++c)
            a = vfma(vsplat<V>(g[c]), vload_partial<V>(w.row(c0 + c) + k, rest), a);
        vstore_first(dx + k, a, rest);
    }
}

/// dx[r0 + r] += Σ_c g[r·C + c] · w[c0 + c]: the input gradient of a tile.
template <class T>
inline void accumulate_input_gradient(const T* g, matrix_view<T> w, std::size_t r0, std::size_t R, std::size_t c0,
                                      std::size_t C, T* dx) {
    using V = vec<T>;
    constexpr std::size_t W = width<T>;
    const std::size_t q = w.cols;
    for (std::size_t r = 0; r < R; ++r) {
        T* out = dx + (r0 + r) * q;
        std::size_t k = 0;
        for (; k + W <= q; k += W) {
            V a = vload<V>(out + k);
            for (std::size_t c = 0; c < C; ++c)
                a = vfma(vsplat<V>(g[r * C + c]), vload<V>(w.row(c0 + c) + k), a);
            vstore(out + k, a);
        }
        if (k < q) {  // the tail of q: one masked vector
            const std::size_t rest = q - k;
            V a = vload_partial<V>(out + k, rest);
            for (std::size_t c = 0; c < C; ++c)
                a = vfma(vsplat<V>(g[r * C + c]), vload_partial<V>(w.row(c0 + c) + k, rest), a);
            vstore_partial(out + k, a, rest);
        }
    }
}

}  // namespace detail
}  // namespace CTGRAD_ISA_NAMESPACE
}  // namespace ctgrad::lowering
