#pragma once
/// \file
/// The SIMD vocabulary of the lowering, on xsimd. The vector type follows the *user's*
/// translation unit (`xsimd::default_arch`: compile with -mavx2 -mfma, -march=native... and
/// ctgrad follows); ctgrad never asks for -march itself. Define CTGRAD_SCALAR before including
/// ctgrad to evaluate with plain scalars (width 1), e.g. to compare against the SIMD build.

#include <cmath>
#include <cstddef>
#include <type_traits>

#ifndef CTGRAD_SCALAR
#include <xsimd/xsimd.hpp>
#endif

namespace ctgrad::lowering {

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

/// Lanes in vec<T>.
template <class T>
inline constexpr std::size_t width = sizeof(vec<T>) / sizeof(T);

/// Loads V (a vector or a scalar) from p, unaligned.
template <class V, class T>
inline V vload(const T* p) {
    if constexpr (std::is_arithmetic_v<V>) {
        return *p;
    } else {
        return V::load_unaligned(p);
    }
}

template <class V, class T>
inline void vstore(T* p, const V& v) {
    if constexpr (std::is_arithmetic_v<V>) {
        *p = v;
    } else {
        v.store_unaligned(p);
    }
}

template <class V, class T>
inline V vsplat(T x) {
    if constexpr (std::is_arithmetic_v<V>) {
        return x;
    } else {
        return V(x);
    }
}

/// a·b + c.
template <class V>
inline V vfma(const V& a, const V& b, const V& c) {
    if constexpr (std::is_arithmetic_v<V>) {
        return a * b + c;
    } else {
        return xsimd::fma(a, b, c);
    }
}

/// The sum of the lanes.
template <class V>
inline auto vsum(const V& v) {
    if constexpr (std::is_arithmetic_v<V>) {
        return v;
    } else {
        return xsimd::hadd(v);
    }
}

template <class V>
inline V vexp(const V& v) {
    if constexpr (std::is_arithmetic_v<V>) {
        return std::exp(v);
    } else {
        return xsimd::exp(v);
    }
}

template <class V>
inline V vlog(const V& v) {
    if constexpr (std::is_arithmetic_v<V>) {
        return std::log(v);
    } else {
        return xsimd::log(v);
    }
}

}  // namespace ctgrad::lowering
