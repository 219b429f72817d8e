#pragma once
/// \file
/// The gradient terms that sum an evaluated tile G (R rows × C columns, row-major) instead of
/// contracting it: db[c] += Σ_r G[r, c] (a bias), d[r] += Σ_c G[r, c], d += Σ G, and the
/// pointwise dT[r, c] += G[r, c]. SIMD over the flat tile, so that a bias gradient costs a
/// vector add per width<T> grid elements, not a scalar add per element.

#include <cmath>
#include <cstddef>
#include <limits>

#include "ctgrad/lower/simd.hpp"

namespace ctgrad::lowering {
inline namespace CTGRAD_ISA_NAMESPACE {
namespace detail {  // the kernels of the executor: not an interface

/// Σ of g[0, n) by vectors, two accumulators; returned as the vector of partial sums (lane l
/// holds the elements whose index is l mod width) plus the scalar sum of the tail past `done`.
template <class T>
inline vec<T> flat_partial_sums(const T* g, std::size_t n, std::size_t& done) {
    using V = vec<T>;
    constexpr std::size_t W = width<T>;
    V a0 = vsplat<V>(T(0)), a1 = vsplat<V>(T(0));
    std::size_t i = 0;
    for (; i + 2 * W <= n; i += 2 * W) {
        a0 += vload<V>(g + i);
        a1 += vload<V>(g + i + W);
    }
    for (; i + W <= n; i += W)
        a0 += vload<V>(g + i);
    done = i;
    return a0 + a1;
}

/// dst[c] += Σ_r g[r·C + c], c < C: the column sums of the tile.
template <class T>
inline void add_column_sums(const T* g, std::size_t R, std::size_t C, T* dst) {
    using V = vec<T>;
    constexpr std::size_t W = width<T>;
    const std::size_t n = R * C;
    if (W > 1 && C <= W && W % C == 0) {
        // Lane l of the flat sums holds column l mod C, since C divides the width.
        std::size_t i = 0;
        alignas(64) T lanes[W];
        const auto partial = flat_partial_sums(g, n, i);
        if (i == 0) {  // fewer than W elements: no vector went through the flat sums
            for (std::size_t c = 0; i < n; ++i) {
                dst[c] += g[i];
                c = c + 1 == C ? 0 : c + 1;
            }
            return;
        }
        if (C == 1) {
            T a = vsum(partial);
            for (; i < n; ++i)
                a += g[i];
            dst[0] += a;
            return;
        }
        vstore(lanes, partial);
        for (std::size_t l = 0; l < W; l += C)  // no division: columns repeat every C lanes
            for (std::size_t c = 0; c < C; ++c)
                dst[c] += lanes[l + c];
        for (std::size_t c = 0; i < n; ++i) {  // i is a multiple of W, hence of C, here
            dst[c] += g[i];
            c = c + 1 == C ? 0 : c + 1;
        }
        return;
    }
    std::size_t c = 0;
    for (; c + W <= C; c += W) {
        V a = vload<V>(dst + c);
        for (std::size_t r = 0; r < R; ++r)
            a += vload<V>(g + r * C + c);
        vstore(dst + c, a);
    }
    if (c < C) {  // the last columns: one masked vector per row
        const std::size_t rest = C - c;
        V a = vload_partial<V>(dst + c, rest);
        for (std::size_t r = 0; r < R; ++r)
            a += vload_partial<V>(g + r * C + c, rest);
        vstore_partial(dst + c, a, rest);
    }
}

/// dst[r] += Σ_c g[r·C + c], r < R: the row sums of the tile.
template <class T>
inline void add_row_sums(const T* g, std::size_t R, std::size_t C, T* dst) {
    for (std::size_t r = 0; r < R; ++r) {
        std::size_t i = 0;
        const T* row = g + r * C;
        T a = vsum(flat_partial_sums(row, C, i));
        for (; i < C; ++i)
            a += row[i];
        dst[r] += a;
    }
}

/// dst[r] = log Σ_c exp(a[r·C + c]), r < R: the rows' log-sum-exp, stable (the row's maximum
/// is subtracted before the exponentials). As torch.logsumexp: a NaN in the row gives NaN, a
/// +inf gives +inf, a row of −inf (or an empty row) gives −inf.
template <class T>
inline void row_logsumexp(const T* a, std::size_t R, std::size_t C, T* dst) {
    using V = vec<T>;
    constexpr std::size_t W = width<T>;
    for (std::size_t r = 0; r < R; ++r) {
        const T* row = a + r * C;
        T m = -std::numeric_limits<T>::infinity();
        bool nan = false;
        for (std::size_t c = 0; c < C; ++c) {
            m = row[c] > m ? row[c] : m;
            nan |= row[c] != row[c];
        }
        if (nan || std::isinf(m)) {
            dst[r] = nan ? std::numeric_limits<T>::quiet_NaN() : m;
            continue;
        }
        const V top = vsplat<V>(m);
        V acc = vsplat<V>(T(0));
        std::size_t c = 0;
        for (; c + W <= C; c += W)
            acc += vexp(vload<V>(row + c) - top);
        T total = vsum(acc);
        for (; c < C; ++c)
            total += std::exp(row[c] - m);
        dst[r] = m + std::log(total);
    }
}

/// dst[r] = the first c of the largest a[r·C + c], r < R, as a value of T: as torch.argmax, a
/// NaN counts as the largest (the first NaN's index), ties give the first. (A scan: an index
/// per row, no arithmetic for vectors to share.)
template <class T>
inline void row_argmax(const T* a, std::size_t R, std::size_t C, T* dst) {
    for (std::size_t r = 0; r < R; ++r) {
        const T* row = a + r * C;
        std::size_t best = 0;
        for (std::size_t c = 1; c < C && row[best] == row[best]; ++c)
            if (row[c] > row[best] || row[c] != row[c])
                best = c;
        dst[r] = static_cast<T>(best);
    }
}

/// dst[0] += Σ g[0, n): the sum of the whole tile.
template <class T>
inline void add_total(const T* g, std::size_t n, T* dst) {
    std::size_t i = 0;
    T a = vsum(flat_partial_sums(g, n, i));
    for (; i < n; ++i)
        a += g[i];
    dst[0] += a;
}

/// dst[r·stride + c] += g[r·C + c]: the tile added into a matrix with rows of `stride`.
template <class T>
inline void add_tile(const T* g, std::size_t R, std::size_t C, T* dst, std::size_t stride) {
    using V = vec<T>;
    constexpr std::size_t W = width<T>;
    const bool whole_rows = stride == C;  // then the tile is one contiguous block of dst
    const std::size_t rows = whole_rows ? 1 : R, len = whole_rows ? R * C : C;
    for (std::size_t r = 0; r < rows; ++r) {
        T* d = dst + r * stride;
        const T* s = g + r * C;
        std::size_t c = 0;
        for (; c + W <= len; c += W)
            vstore(d + c, vload<V>(d + c) + vload<V>(s + c));
        for (; c < len; ++c)
            d[c] += s[c];
    }
}

}  // namespace detail
}  // namespace CTGRAD_ISA_NAMESPACE
}  // namespace ctgrad::lowering
