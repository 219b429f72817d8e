#pragma once
/// \file
/// The SIMD vocabulary of the lowering, on xsimd. The vector type follows the *user's*
/// translation unit (`xsimd::default_arch`: compile with -mavx2 -mfma, -march=native... and
/// ctgrad follows); ctgrad never asks for -march itself. Define CTGRAD_SCALAR before including
/// ctgrad to evaluate with plain scalars (width 1), e.g. to compare against the SIMD build.

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

/// Lanes in vec<T>.
template <class T>
inline constexpr std::size_t width = sizeof(vec<T>) / sizeof(T);

/// Loads V (a vector or a scalar) from p, unaligned.
template <class V, class T>
inline V vload(const T* p) {
#ifdef CTGRAD_SCALAR
    return *p;
#else
    if constexpr (std::is_arithmetic_v<V>) {
        return *p;
    } else {
        return V::load_unaligned(p);
    }
#endif
}

template <class V, class T>
inline void vstore(T* p, const V& v) {
#ifdef CTGRAD_SCALAR
    *p = v;
#else
    if constexpr (std::is_arithmetic_v<V>) {
        *p = v;
    } else {
        v.store_unaligned(p);
    }
#endif
}

template <class V, class T>
inline V vsplat(T x) {
#ifdef CTGRAD_SCALAR
    return x;
#else
    if constexpr (std::is_arithmetic_v<V>) {
        return x;
    } else {
        return V(x);
    }
#endif
}

/// a·b + c.
template <class V>
inline V vfma(const V& a, const V& b, const V& c) {
#ifdef CTGRAD_SCALAR
    return a * b + c;
#else
    if constexpr (std::is_arithmetic_v<V>) {
        return a * b + c;
    } else {
        return xsimd::fma(a, b, c);
    }
#endif
}

/// The sum of the lanes.
template <class V>
inline auto vsum(const V& v) {
#ifdef CTGRAD_SCALAR
    return v;
#else
    if constexpr (std::is_arithmetic_v<V>) {
        return v;
    } else {
        return xsimd::hadd(v);
    }
#endif
}

/// mask ? a : b, lanewise.
template <class M, class V>
inline V vselect(const M& mask, const V& a, const V& b) {
#ifdef CTGRAD_SCALAR
    return mask ? a : b;
#else
    if constexpr (std::is_arithmetic_v<V>) {
        return mask ? a : b;
    } else {
        return xsimd::select(mask, a, b);
    }
#endif
}

/// The larger of a and b, lanewise; a NaN in a is kept (as torch.clamp keeps it).
template <class V>
inline V vmax(const V& a, const V& b) {
    return vselect(a < b, b, a);
}

template <class V>
inline V vtanh(const V& v) {
#ifdef CTGRAD_SCALAR
    return std::tanh(v);
#else
    if constexpr (std::is_arithmetic_v<V>) {
        return std::tanh(v);
    } else {
        return xsimd::tanh(v);
    }
#endif
}

template <class V>
inline V vlog1p(const V& v) {
#ifdef CTGRAD_SCALAR
    return std::log1p(v);
#else
    if constexpr (std::is_arithmetic_v<V>) {
        return std::log1p(v);
    } else {
        return xsimd::log1p(v);
    }
#endif
}

template <class V>
inline V vabs(const V& v) {
#ifdef CTGRAD_SCALAR
    return std::abs(v);
#else
    if constexpr (std::is_arithmetic_v<V>) {
        return std::abs(v);
    } else {
        return xsimd::abs(v);
    }
#endif
}

template <class V>
inline V vexp(const V& v) {
#ifdef CTGRAD_SCALAR
    return std::exp(v);
#else
    if constexpr (std::is_arithmetic_v<V>) {
        return std::exp(v);
    } else {
        return xsimd::exp(v);
    }
#endif
}

template <class V>
inline V vlog(const V& v) {
#ifdef CTGRAD_SCALAR
    return std::log(v);
#else
    if constexpr (std::is_arithmetic_v<V>) {
        return std::log(v);
    } else {
        return xsimd::log(v);
    }
#endif
}

}  // namespace CTGRAD_ISA_NAMESPACE
}  // namespace ctgrad::lowering
