#pragma once
/// \file
/// The SIMD kernels around a contraction z = x · wᵀ on one tile of rows [r0, r0 + R) and
/// columns [c0, c0 + C): forward dot products, and the two backward products that consume an
/// evaluated grid expression G (dW += Gᵀ·X, dX += G·W). All loop over the contracted axis q
/// with full vectors, then a scalar tail, so every length is correct.

#include <cstddef>

#include "ctgrad/lower/simd.hpp"

namespace ctgrad::lowering {
inline namespace CTGRAD_ISA_NAMESPACE {

/// A row-major matrix view: rows of `cols` contiguous elements.
template <class T>
struct matrix_view {
    const T* data;
    std::size_t cols;
    const T* row(std::size_t r) const { return data + r * cols; }
};

namespace detail {
/// MR rows of x against NR rows of w: MR·NR dot products of length q, register-blocked.
template <std::size_t MR, std::size_t NR, class T>
inline void dot_block(const T* const* xr, const T* const* wr, std::size_t q, T* out, std::size_t out_stride) {
    using V = vec<T>;
    constexpr std::size_t W = width<T>;
    V acc[MR][NR];
    for (std::size_t i = 0; i < MR; ++i)
        for (std::size_t j = 0; j < NR; ++j)
            acc[i][j] = vsplat<V>(T(0));
    std::size_t k = 0;
    for (; k + W <= q; k += W) {
        V wv[NR];
        for (std::size_t j = 0; j < NR; ++j)
            wv[j] = vload<V>(wr[j] + k);
        for (std::size_t i = 0; i < MR; ++i) {
            const V xv = vload<V>(xr[i] + k);
            for (std::size_t j = 0; j < NR; ++j)
                acc[i][j] = vfma(xv, wv[j], acc[i][j]);
        }
    }
    for (std::size_t i = 0; i < MR; ++i)
        for (std::size_t j = 0; j < NR; ++j) {
            T s = vsum(acc[i][j]);
            for (std::size_t kk = k; kk < q; ++kk)
                s += xr[i][kk] * wr[j][kk];
            out[i * out_stride + j] = s;
        }
}

template <std::size_t MR, class T>
inline void dot_rows(const T* const* xr, matrix_view<T> w, std::size_t c0, std::size_t C, T* out,
                     std::size_t out_stride) {
    constexpr std::size_t NR = 2;
    std::size_t c = 0;
    for (; c + NR <= C; c += NR) {
        const T* wr[NR] = {w.row(c0 + c), w.row(c0 + c + 1)};
        dot_block<MR, NR>(xr, wr, w.cols, out + c, out_stride);
    }
    if (c < C) {
        const T* wr[1] = {w.row(c0 + c)};
        dot_block<MR, 1>(xr, wr, w.cols, out + c, out_stride);
    }
}
}  // namespace detail

/// z[r·C + c] = x[r0 + r] · w[c0 + c] for the tile (x and w share their row length q).
template <class T>
inline void contract_forward(matrix_view<T> x, matrix_view<T> w, std::size_t r0, std::size_t R, std::size_t c0,
                             std::size_t C, T* z) {
    constexpr std::size_t MR = 4;
    std::size_t r = 0;
    for (; r + MR <= R; r += MR) {
        const T* xr[MR] = {x.row(r0 + r), x.row(r0 + r + 1), x.row(r0 + r + 2), x.row(r0 + r + 3)};
        detail::dot_rows<MR>(xr, w, c0, C, z + r * C, C);
    }
    for (; r < R; ++r) {
        const T* xr[1] = {x.row(r0 + r)};
        detail::dot_rows<1>(xr, w, c0, C, z + r * C, C);
    }
}

/// dw[c0 + c] += Σ_r g[r·C + c] · x[r0 + r]: the weight gradient of a tile.
template <class T>
inline void accumulate_weight_gradient(const T* g, matrix_view<T> x, std::size_t r0, std::size_t R, std::size_t c0,
                                       std::size_t C, T* dw) {
    using V = vec<T>;
    constexpr std::size_t W = width<T>;
    const std::size_t q = x.cols;
    for (std::size_t c = 0; c < C; ++c) {
        T* out = dw + (c0 + c) * q;
        std::size_t k = 0;
        for (; k + 4 * W <= q; k += 4 * W) {
            V a0 = vload<V>(out + k), a1 = vload<V>(out + k + W), a2 = vload<V>(out + k + 2 * W),
              a3 = vload<V>(out + k + 3 * W);
            for (std::size_t r = 0; r < R; ++r) {
                const V s = vsplat<V>(g[r * C + c]);
                const T* xr = x.row(r0 + r) + k;
                a0 = vfma(s, vload<V>(xr), a0);
                a1 = vfma(s, vload<V>(xr + W), a1);
                a2 = vfma(s, vload<V>(xr + 2 * W), a2);
                a3 = vfma(s, vload<V>(xr + 3 * W), a3);
            }
            vstore(out + k, a0);
            vstore(out + k + W, a1);
            vstore(out + k + 2 * W, a2);
            vstore(out + k + 3 * W, a3);
        }
        for (; k + W <= q; k += W) {
            V a = vload<V>(out + k);
            for (std::size_t r = 0; r < R; ++r)
                a = vfma(vsplat<V>(g[r * C + c]), vload<V>(x.row(r0 + r) + k), a);
            vstore(out + k, a);
        }
        for (; k < q; ++k) {
            T a = out[k];
            for (std::size_t r = 0; r < R; ++r)
                a += g[r * C + c] * x.row(r0 + r)[k];
            out[k] = a;
        }
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
        for (; k < q; ++k) {
            T a = out[k];
            for (std::size_t c = 0; c < C; ++c)
                a += g[r * C + c] * w.row(c0 + c)[k];
            out[k] = a;
        }
    }
}

}  // namespace CTGRAD_ISA_NAMESPACE
}  // namespace ctgrad::lowering
