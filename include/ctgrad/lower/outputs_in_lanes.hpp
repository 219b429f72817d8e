#pragma once
/// \file
/// Outputs-in-lanes kernels: the two products of a contraction z = x · wᵀ when its rows are
/// short and its outputs many. There the kernels of lower/contraction.hpp, which put the
/// contracted axis q (or several rows) in the lanes, spend more on each dot product's
/// reduction and masked tail than on its multiplications, and read each row of x once per
/// output. Here a vector holds W consecutive outputs instead:
///   forward   z[r, c..c+W)    += x[r, k] · wᵀ[k, c..c+W)      for k < q
///   gradient  dWᵀ[k, c..c+W)  += x[r, k] · g[r, c..c+W)       for the tile's rows r
/// so each element of x is broadcast once per vector of outputs: q · ⌈C/W⌉ FMAs per row, no
/// reduction, no tail along q. The price is a transposed copy of w (wᵀ, C padded to whole
/// vectors with zeros) and a transposed gradient buffer dWᵀ, made once per call: the
/// executor keeps both (lower/executor.hpp) and adds dWᵀ into dW at the end of the call.

#include <cstddef>
#include <type_traits>

#include "ctgrad/lower/contraction.hpp"
#include "ctgrad/lower/simd.hpp"

namespace ctgrad::lowering {
inline namespace CTGRAD_ISA_NAMESPACE {
namespace detail {  // the kernels of the executor: not an interface

/// Elements of one staged transposed matrix (wᵀ or dWᵀ): 64 KiB, within L2. (With 32 KiB,
/// within L1, (1024, 257, 32) float was left to the dot products and took 1.4 × as long.)
template <class T>
inline constexpr std::size_t staged_elements = 64 * 1024 / sizeof(T);

/// C rounded up to whole vectors: the row length of a staged transposed matrix.
template <class T>
constexpr std::size_t padded_outputs(std::size_t C) {
    return (C + width<T> - 1) / width<T> * width<T>;
}

/// Vectors of outputs per register block: four where there are 32 vector registers (AVX-512).
template <class T>
inline constexpr std::size_t output_vectors = sizeof(vec<T>) >= 64 ? 4 : 2;

/// Whether the products of a contraction over rows of length q into C outputs take the
/// outputs-in-lanes kernels: short rows (those the dot products would take rows-in-lanes;
/// long rows have register-blocked dot products, as fast per FMA), and a cost model in
/// vector instructions per row. With q in the lanes, each output costs ⌈q/W⌉ FMAs and more
/// for its reduction, its tail and its store: about 3, 5 with 16 lanes (a wider reduction);
/// with the outputs in lanes, each element of a row costs one FMA per vector of outputs (and
/// a broadcast). Taken where the model saves a quarter or more: nearer the break-even the
/// outputs-in-lanes kernels measured slower (AVX-512 double: (B, 33, 10) 1.1–1.2 ×, the
/// two-layer (B, 100, 64→10) 1.1–1.2 ×; float (B, 33, 5) 1.25 ×). The staged copies must fit staged_elements.
template <class T>
constexpr bool outputs_in_lanes(std::size_t q, std::size_t C) {
    constexpr std::size_t W = width<T>;
    if (!rows_in_lanes<T>(q) || C < 2 || q * padded_outputs<T>(C) > staged_elements<T>)
        return false;
    constexpr std::size_t per_output = W >= 16 ? 5 : 3;
    const std::size_t q_in_lanes = C * ((q + W - 1) / W + per_output);
    const std::size_t outputs = q * (padded_outputs<T>(C) / W);
    return 4 * outputs < 3 * q_in_lanes;
}

/// wt[k·Cp + c] = w[c][k] for c < C, 0 for C ≤ c < Cp: the staged wᵀ.
template <class T>
inline void stage_transposed(matrix_view<T> w, std::size_t C, std::size_t Cp, T* wt) {
    for (std::size_t k = 0; k < w.cols; ++k) {
        T* row = wt + k * Cp;
        for (std::size_t c = 0; c < C; ++c)
            row[c] = w.row(c)[k];
        for (std::size_t c = C; c < Cp; ++c)
            row[c] = T(0);
    }
}

/// dw[c][k] += dwt[k·Cp + c] for c < C, k < q: a staged dWᵀ added into the gradient.
template <class T>
inline void add_transposed(const T* dwt, std::size_t q, std::size_t C, std::size_t Cp, T* dw) {
    for (std::size_t c = 0; c < C; ++c) {
        T* out = dw + c * q;
        for (std::size_t k = 0; k < q; ++k)
            out[k] += dwt[k * Cp + c];
    }
}

/// Stores the vector of outputs [c, c + W) of a row of C: the last one masked.
template <class V, class T>
inline void store_outputs(T* row, std::size_t c, std::size_t C, const V& v) {
    if (c + width<T> <= C)
        vstore(row + c, v);
    else
        vstore_partial(row + c, v, C - c);
}

/// Loads the vector of outputs [c, c + W) of a row of C: lanes past C are zero.
template <class V, class T>
inline V load_outputs(const T* row, std::size_t c, std::size_t C) {
    return c + width<T> <= C ? vload<V>(row + c) : vload_partial<V>(row + c, C - c);
}

/// A register block of M × CB vectors set to zero.
template <class T, std::size_t M, std::size_t CB, class V>
inline void zero_block(V (&acc)[M][CB]) {
    for (std::size_t i = 0; i < M; ++i)
        for (std::size_t j = 0; j < CB; ++j)
            acc[i][j] = vsplat<V>(T(0));
}

/// acc[i][j] += scalar(i) · v[j]: a rank-one update of a register block, each scalar
/// broadcast once for CB vectors.
template <std::size_t M, std::size_t CB, class V, class Scalar>
inline void rank_one_update(V (&acc)[M][CB], const V (&v)[CB], Scalar scalar) {
    for (std::size_t i = 0; i < M; ++i) {
        const V s = vsplat<V>(scalar(i));
        for (std::size_t j = 0; j < CB; ++j)
            acc[i][j] = vfma(s, v[j], acc[i][j]);
    }
}

/// z[i·C + c..] = Σ_k x_i[k] · wt[k·Cp + c..] for MR rows x_i and CB vectors of outputs from c.
template <std::size_t MR, std::size_t CB, class T>
inline void forward_outputs_block(const T* const* xr, std::size_t q, const T* wt, std::size_t Cp, std::size_t c,
                                  std::size_t C, T* z) {
    using V = vec<T>;
    constexpr std::size_t W = width<T>;
    V acc[MR][CB];
    zero_block<T>(acc);
    for (std::size_t k = 0; k < q; ++k) {
        V wv[CB];
        for (std::size_t j = 0; j < CB; ++j)
            wv[j] = vload<V>(wt + k * Cp + c + j * W);
        rank_one_update(acc, wv, [&](std::size_t i) { return xr[i][k]; });
    }
    for (std::size_t i = 0; i < MR; ++i)
        for (std::size_t j = 0; j < CB; ++j)
            store_outputs(z + i * C, c + j * W, C, acc[i][j]);
}

/// Calls f(c, CB) for blocks of CB vectors of outputs from c (CB an integral_constant) that
/// cover [0, Cp): blocks of output_vectors vectors, then one of the last one to three.
template <class T, class F>
inline void for_output_blocks(std::size_t Cp, F&& f) {
    constexpr std::size_t W = width<T>, most = output_vectors<T>;
    std::size_t c = 0;
    for (; c + most * W <= Cp; c += most * W)
        f(c, std::integral_constant<std::size_t, most>{});
    const std::size_t left = (Cp - c) / W;
    if constexpr (most > 3)
        if (left == 3)
            return f(c, std::integral_constant<std::size_t, 3>{});
    if constexpr (most > 2)
        if (left == 2)
            return f(c, std::integral_constant<std::size_t, 2>{});
    if (left == 1)
        f(c, std::integral_constant<std::size_t, 1>{});
}

/// All outputs of MR rows.
template <std::size_t MR, class T>
inline void forward_outputs_rows(const T* const* xr, std::size_t q, const T* wt, std::size_t Cp, std::size_t C,
                                 T* z) {
    for_output_blocks<T>(Cp, [&](std::size_t c, auto CB) { forward_outputs_block<MR, CB>(xr, q, wt, Cp, c, C, z); });
}

/// z[r·C + c] = x[r0 + r] · w[c] for the R rows of a tile and all C outputs, from the staged
/// wᵀ (rows of Cp). Eight rows at a time where the outputs are one vector (eight FMA chains),
/// four otherwise. Not inlined (nor is accumulate_weight_gradient_outputs): a call per tile
/// costs nothing beside its work, while inlined into the executor's sweep its register blocks
/// used up g++'s inlining budget there, and the other kernels were called instead of inlined
/// ((1024, 784, 32) double: 1.5 × as long, with no kernel choice changed).
template <class T>
[[gnu::noinline]] inline void contract_forward_outputs(matrix_view<T> x, std::size_t r0, std::size_t R, const T* wt, std::size_t Cp,
                                     std::size_t C, T* z) {
    const std::size_t q = x.cols;
    std::size_t r = 0;
    if (Cp <= width<T>)
        for (; r + 8 <= R; r += 8) {
            const T* xr[8];
            for (std::size_t i = 0; i < 8; ++i)
                xr[i] = x.row(r0 + r + i);
            forward_outputs_rows<8>(xr, q, wt, Cp, C, z + r * C);
        }
    for (; r + 4 <= R; r += 4) {
        const T* xr[4] = {x.row(r0 + r), x.row(r0 + r + 1), x.row(r0 + r + 2), x.row(r0 + r + 3)};
        forward_outputs_rows<4>(xr, q, wt, Cp, C, z + r * C);
    }
    for (; r < R; ++r) {
        const T* xr[1] = {x.row(r0 + r)};
        forward_outputs_rows<1>(xr, q, wt, Cp, C, z + r * C);
    }
}

/// dwt[(k + i)·Cp + c..] += Σ_r x[r0 + r][k + i] · g[r·C + c..] for KB elements k + i of the
/// rows and CB vectors of outputs from c: KB·CB accumulators over the tile's rows.
template <std::size_t KB, std::size_t CB, class T>
inline void gradient_outputs_block(const T* g, std::size_t C, matrix_view<T> x, std::size_t r0, std::size_t R,
                                   std::size_t k, std::size_t c, T* dwt, std::size_t Cp) {
    using V = vec<T>;
    constexpr std::size_t W = width<T>;
    V acc[KB][CB];
    zero_block<T>(acc);
    for (std::size_t r = 0; r < R; ++r) {
        V gv[CB];
        for (std::size_t j = 0; j < CB; ++j)
            gv[j] = load_outputs<V>(g + r * C, c + j * W, C);
        const T* xr = x.row(r0 + r) + k;
        rank_one_update(acc, gv, [&](std::size_t i) { return xr[i]; });
    }
    for (std::size_t i = 0; i < KB; ++i)
        for (std::size_t j = 0; j < CB; ++j) {
            T* out = dwt + (k + i) * Cp + c + j * W;
            vstore(out, vload<V>(out) + acc[i][j]);
        }
}

/// All elements k of the rows, KB at a time, for CB vectors of outputs from c.
template <std::size_t KB, std::size_t CB, class T>
inline void gradient_outputs_columns(const T* g, std::size_t C, matrix_view<T> x, std::size_t r0, std::size_t R,
                                     std::size_t c, T* dwt, std::size_t Cp) {
    std::size_t k = 0;
    for (; k + KB <= x.cols; k += KB)
        gradient_outputs_block<KB, CB>(g, C, x, r0, R, k, c, dwt, Cp);
    for (; k < x.cols; ++k)
        gradient_outputs_block<1, CB>(g, C, x, r0, R, k, c, dwt, Cp);
}

/// dwt[k·Cp + c] += Σ_r x[r0 + r][k] · g[r·C + c]: the weight gradient of a tile (G in g,
/// rows of C) added into the staged dWᵀ. Blocks of eight elements of the rows where the
/// outputs are one vector, of four (AVX2) or six (AVX-512) with more vectors.
template <class T>
[[gnu::noinline]] inline void accumulate_weight_gradient_outputs(const T* g, std::size_t C, matrix_view<T> x, std::size_t r0,
                                               std::size_t R, T* dwt, std::size_t Cp) {
    constexpr std::size_t KB = output_vectors<T> > 2 ? 6 : 4;
    for_output_blocks<T>(Cp, [&](std::size_t c, auto CB) {
        gradient_outputs_columns<CB == 1 ? 8 : KB, CB>(g, C, x, r0, R, c, dwt, Cp);
    });
}

}  // namespace detail
}  // namespace CTGRAD_ISA_NAMESPACE
}  // namespace ctgrad::lowering
