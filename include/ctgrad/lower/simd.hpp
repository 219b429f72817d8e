#pragma once
/// \file
/// The SIMD vocabulary of the lowering, on xsimd. The vector type follows the *user's*
/// translation unit (`xsimd::default_arch`: compile with -mavx2 -mfma, -march=native... and
/// ctgrad follows); ctgrad never asks for -march itself. Define CTGRAD_SCALAR before including
/// ctgrad to evaluate with plain scalars (width 1), e.g. to compare against the SIMD build.

#include <array>
#include <cmath>
#include <cstddef>
#include <type_traits>
#include <utility>

#ifndef CTGRAD_SCALAR
#include <xsimd/xsimd.hpp>
#endif

// Code compiled for different instruction sets must not share symbols (the one-definition
// rule): everything whose machine code depends on the ISA lives in an inline namespace named
// after it, so translation units built with different flags can be linked together.
#if defined(CTGRAD_SCALAR)
#define CTGRAD_ISA_NAMESPACE isa_scalar
#elif defined(__AVX512F__)
#define CTGRAD_ISA_NAMESPACE isa_avx512
#elif defined(__AVX2__) && defined(__FMA__)
#define CTGRAD_ISA_NAMESPACE isa_avx2_fma
#elif defined(__AVX2__)
#define CTGRAD_ISA_NAMESPACE isa_avx2
#elif defined(__AVX__)
#define CTGRAD_ISA_NAMESPACE isa_avx
#elif defined(__SSE4_2__)
#define CTGRAD_ISA_NAMESPACE isa_sse4_2
#else
#define CTGRAD_ISA_NAMESPACE isa_baseline
#endif

namespace ctgrad::lowering {
inline namespace CTGRAD_ISA_NAMESPACE {

#ifdef CTGRAD_SCALAR
/// The vector of T that kernels compute with.
template <class T>
using vec = T;
/// The name of the instruction set the kernels were compiled for.
inline constexpr const char* instruction_set = "scalar";
#else
template <class T>
using vec = xsimd::batch<T>;
inline constexpr const char* instruction_set = xsimd::default_arch::name();
#endif

/// The element type of V (a vector or a scalar).
namespace detail {
template <class V, bool = std::is_arithmetic_v<V>>
struct scalar_of {
    using type = V;
};
template <class V>
struct scalar_of<V, false> {
    using type = typename V::value_type;
};
}  // namespace detail
template <class V>
using scalar_t = typename detail::scalar_of<V>::type;

#if !defined(CTGRAD_SCALAR) && defined(__AVX2__)
namespace detail {
/// All ones in the 32-bit lanes l < n of a 256-bit mask, zero above.
inline __m256i lane_mask32(std::size_t n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
/// Lane l: the sum of the 8 lanes of h[l] (a transpose-and-add of 8 vectors of 8 floats).
inline __m256 sum_each8(const __m256* h) {
    const __m256 t0 = _mm256_hadd_ps(h[0], h[1]), t1 = _mm256_hadd_ps(h[2], h[3]);
    const __m256 t2 = _mm256_hadd_ps(h[4], h[5]), t3 = _mm256_hadd_ps(h[6], h[7]);
    const __m256 u0 = _mm256_hadd_ps(t0, t1), u1 = _mm256_hadd_ps(t2, t3);
    return _mm256_add_ps(_mm256_permute2f128_ps(u0, u1, 0x20), _mm256_permute2f128_ps(u0, u1, 0x31));
}
/// All ones in the 64-bit lanes l < n of a 256-bit mask, zero above.
inline __m256i lane_mask64(std::size_t n) {
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(static_cast<long long>(n)), _mm256_setr_epi64x(0, 1, 2, 3));
}
}  // namespace detail
#endif

/// Lanes in vec<T>.
template <class T>
inline constexpr std::size_t width = sizeof(vec<T>) / sizeof(T);

namespace detail {  // for the kernels, not for elementwise_kernel specialisations
/// Pins v in a register: the compiler must load it once and may not fold its load into each
/// use again. g++ 12 otherwise re-reads both operands of every FMA of a register-blocked dot
/// product from memory (two loads per FMA: load-bound at half the FMA rate).
template <class V>
inline void vpin(V& v) {
#if defined(__GNUC__) && !defined(CTGRAD_SCALAR)
    if constexpr (!std::is_arithmetic_v<V>)
        asm("" : "+v"(v.data));
#else
    (void)v;
#endif
}

/// 0, 1, 2, ...: compared with a count to mask the lanes of a partial vector.
template <class T>
inline constexpr auto lane_index = [] {
    std::array<T, width<T>> a{};
    for (std::size_t l = 0; l < a.size(); ++l)
        a[l] = T(l);
    return a;
}();

}  // namespace detail

/// Loads V (a vector or a scalar) from p, unaligned.
template <class V, class T>
inline V vload(const T* p) {
    if constexpr (std::is_arithmetic_v<V>)
        return *p;
    else
        return V::load_unaligned(p);
}

template <class V, class T>
inline void vstore(T* p, const V& v) {
    if constexpr (std::is_arithmetic_v<V>)
        *p = v;
    else
        v.store_unaligned(p);
}

template <class V, class T>
inline V vsplat(T x) {
    return V(x);
}

/// a·b + c.
template <class V>
inline V vfma(const V& a, const V& b, const V& c) {
    if constexpr (std::is_arithmetic_v<V>)
        return a * b + c;  // not std::fma: a library call where the ISA has no FMA
    else
        return fma(a, b, c);  // xsimd::fma, by argument-dependent lookup
}

/// The sum of the lanes.
template <class V>
inline auto vsum(const V& v) {
    if constexpr (std::is_arithmetic_v<V>)
        return v;
    else
        return hadd(v);  // xsimd::hadd
}

namespace detail {
/// Loads the first n < width elements at p into a vector whose other lanes are zero, without
/// touching memory past p + n (masked loads on AVX-512 and AVX2; a copy elsewhere).
template <class V, class T>
inline V vload_partial(const T* p, std::size_t n) {
    if constexpr (std::is_arithmetic_v<V>) {
        return n ? *p : T(0);
    } else {
#if !defined(CTGRAD_SCALAR) && defined(__AVX512F__)
        if constexpr (sizeof(V) == 64) {
            if constexpr (std::is_same_v<T, float>)
                return V(_mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << n) - 1), p));
            else
                return V(_mm512_maskz_loadu_pd(static_cast<__mmask8>((1u << n) - 1), p));
        }
#endif
#if !defined(CTGRAD_SCALAR) && defined(__AVX2__)
        if constexpr (sizeof(V) == 32) {
            if constexpr (std::is_same_v<T, float>)
                return V(_mm256_maskload_ps(p, detail::lane_mask32(n)));
            else
                return V(_mm256_maskload_pd(p, detail::lane_mask64(n)));
        }
#endif
        constexpr std::size_t W = sizeof(V) / sizeof(T);
        alignas(64) T lanes[W] = {};
        for (std::size_t l = 0; l < n && l < W; ++l)  // n < W; the bound tells g++ so (-Warray-bounds)
            lanes[l] = p[l];
        return V::load_aligned(lanes);
    }
}

/// Stores the first n < width lanes of v at p, without touching memory past p + n.
template <class V, class T>
inline void vstore_partial(T* p, const V& v, std::size_t n) {
    if constexpr (std::is_arithmetic_v<V>) {
        if (n)
            *p = v;
    } else {
#if !defined(CTGRAD_SCALAR) && defined(__AVX512F__)
        if constexpr (sizeof(V) == 64) {
            if constexpr (std::is_same_v<T, float>)
                _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << n) - 1), v);
            else
                _mm512_mask_storeu_pd(p, static_cast<__mmask8>((1u << n) - 1), v);
            return;
        }
#endif
#if !defined(CTGRAD_SCALAR) && defined(__AVX2__)
        if constexpr (sizeof(V) == 32) {
            if constexpr (std::is_same_v<T, float>)
                _mm256_maskstore_ps(p, detail::lane_mask32(n), v);
            else
                _mm256_maskstore_pd(p, detail::lane_mask64(n), v);
            return;
        }
#endif
        constexpr std::size_t W = sizeof(V) / sizeof(T);
        alignas(64) T lanes[W];
        v.store_aligned(lanes);
        for (std::size_t l = 0; l < n && l < W; ++l)  // n < W; the bound tells g++ so (-Warray-bounds)
            p[l] = lanes[l];
    }
}

#if !defined(CTGRAD_SCALAR) && defined(__SSE2__)
/// The bits of a vector register as an integer register of the same width.
inline __m128i register_bits(__m128 r) { return _mm_castps_si128(r); }
inline __m128i register_bits(__m128d r) { return _mm_castpd_si128(r); }
#if defined(__AVX__)
inline __m256i register_bits(__m256 r) { return _mm256_castps_si256(r); }
inline __m256i register_bits(__m256d r) { return _mm256_castpd_si256(r); }
#endif
#if defined(__AVX512F__)
inline __m512i register_bits(__m512 r) { return _mm512_castps_si512(r); }
inline __m512i register_bits(__m512d r) { return _mm512_castpd_si512(r); }
#endif
#endif

/// Stores the first n < width lanes of v at p with plain stores: the largest halves of the
/// vector that fit, then a single lane, each taken from the register (no round trip through
/// memory, whose wide store a narrow load at an offset cannot forward from; and no lane
/// loop, which the compiler turns into a call of memcpy: measured, either cost a fifth of a
/// (1, 10, 2) float call). For a store that nothing reads back soon, in the one-row paths:
/// masked stores cost more there (measured on Zen 4: (1,10,1) double, the masked 2-lane
/// store of a weight-gradient row took a fifth of the call).
template <class V, class T>
inline void vstore_first(T* p, const V& v, std::size_t n) {
    if constexpr (std::is_arithmetic_v<V>) {
        if (n)
            *p = v;
    } else {
#if !defined(CTGRAD_SCALAR) && defined(__SSE2__)
        std::size_t i = 0;
        const auto bits = register_bits(static_cast<typename V::register_type>(v));
        __m128i quarter;  // the next 16 bytes to store from
#if defined(__AVX__)
        if constexpr (sizeof(V) >= 32) {
            __m256i half;  // the next 32 bytes
#if defined(__AVX512F__)
            if constexpr (sizeof(V) == 64) {
                // Halves by the zero-masked extract: GCC 12's plain one, and its
                // _mm512_castsi512_si256, trip -Wuninitialized (GCC bug 105593).
                half = _mm512_maskz_extracti64x4_epi64(__mmask8(0xF), bits, 0);
                if (n >= 32 / sizeof(T)) {
                    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), half);
                    half = _mm512_maskz_extracti64x4_epi64(__mmask8(0xF), bits, 1);
                    i = 32 / sizeof(T);
                }
            } else
#endif
            {
                half = bits;
            }
            quarter = _mm256_castsi256_si128(half);
            if (n - i >= 16 / sizeof(T)) {
                _mm_storeu_si128(reinterpret_cast<__m128i*>(p + i), quarter);
                quarter = _mm256_extractf128_si256(half, 1);
                i += 16 / sizeof(T);
            }
        } else
#endif
        {
            quarter = bits;
        }
        if constexpr (sizeof(T) == 4) {
            if (n - i >= 2) {
                _mm_storel_epi64(reinterpret_cast<__m128i*>(p + i), quarter);
                quarter = _mm_srli_si128(quarter, 8);
                i += 2;
            }
        }
        if (i < n) {  // at most one lane is left (n < width)
            if constexpr (sizeof(T) == 4)
                _mm_store_ss(reinterpret_cast<float*>(p + i), _mm_castsi128_ps(quarter));
            else
                _mm_storel_pd(reinterpret_cast<double*>(p + i), _mm_castsi128_pd(quarter));
        }
#else
        alignas(64) T lanes[sizeof(V) / sizeof(T)];
        v.store_aligned(lanes);
        for (std::size_t i = 0; i < n; ++i)
            p[i] = lanes[i];
#endif
    }
}

/// The sums of width<T> vectors at once: lane l of the result is the sum of rows[l]'s lanes
/// (a transpose-and-add tree, far cheaper than one horizontal sum per vector).
template <class V>
inline V vsum_each(const V* rows) {
#ifdef CTGRAD_SCALAR
    return rows[0];
#else
    if constexpr (std::is_arithmetic_v<V>) {
        return rows[0];
    } else {
#if defined(__AVX512F__)
        // xsimd 8.1's haddp for 16 floats permutes lanes 2-5 and 10-13: reduce each half of 8
        // rows with AVX instead, after folding every 512-bit row to 256 bits.
        if constexpr (sizeof(V) == 64 && std::is_same_v<scalar_t<V>, float>) {
            __m256 half[16];
            for (int l = 0; l < 16; ++l) {
                const __m512 r = rows[l];
                half[l] = _mm256_add_ps(_mm512_castps512_ps256(r),
                                        _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(r), 1)));
            }
            const __m256 lo = detail::sum_each8(half), hi = detail::sum_each8(half + 8);
            return V(_mm512_castpd_ps(
                _mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(lo)), _mm256_castps_pd(hi), 1)));
        }
#endif
        return xsimd::haddp(rows);
    }
#endif
}

}  // namespace detail

/// mask ? a : b, lanewise.
template <class M, class V>
inline V vselect(const M& mask, const V& a, const V& b) {
    if constexpr (std::is_arithmetic_v<V>)
        return mask ? a : b;
    else
        return select(mask, a, b);  // xsimd::select
}

/// The larger of a and b, lanewise; a NaN in a is kept (as torch.clamp keeps it).
template <class V>
inline V vmax(const V& a, const V& b) {
    return vselect(a < b, b, a);
}

// Lanewise functions: std's on scalars, xsimd's on vectors (found by argument-dependent lookup).
template <class V>
inline V vtanh(const V& v) {
    using std::tanh;
    return tanh(v);
}
template <class V>
inline V vlog1p(const V& v) {
    using std::log1p;
    return log1p(v);
}
template <class V>
inline V vabs(const V& v) {
    using std::abs;
    return abs(v);
}
template <class V>
inline V vexp(const V& v) {
    using std::exp;
    return exp(v);
}
template <class V>
inline V vlog(const V& v) {
    using std::log;
    return log(v);
}

}  // namespace CTGRAD_ISA_NAMESPACE
}  // namespace ctgrad::lowering
