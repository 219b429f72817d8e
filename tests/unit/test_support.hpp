#pragma once
// Shared helpers of the unit tests: random data, the lecture's models, tolerant comparisons.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <ctgrad/ctgrad.hpp>
#include <random>
#include <span>
#include <vector>

namespace test_support {

/// n normal samples scaled by `scale`, from a fixed seed.
template <class T>
std::vector<T> normal(std::size_t n, unsigned seed, double scale = 1.0) {
    std::mt19937 gen(seed);
    std::normal_distribution<double> d;
    std::vector<T> v(n);
    for (auto& e : v)
        e = static_cast<T>(d(gen) * scale);
    return v;
}

/// n uniform samples in [0, 1).
template <class T>
std::vector<T> uniform(std::size_t n, unsigned seed) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<double> d;
    std::vector<T> v(n);
    for (auto& e : v)
        e = static_cast<T>(d(gen));
    return v;
}

/// The worst of |a - r| / max(|r|, floor) over the elements.
template <class A, class R>
double worst_relative_error(const A& a, const R& r, double floor) {
    double worst = 0;
    const std::size_t n = std::min(std::size(a), std::size(r));
    for (std::size_t i = 0; i < n; ++i) {
        const double ai = static_cast<double>(a[i]), ri = static_cast<double>(r[i]);
        worst = std::max(worst, std::abs(ai - ri) / std::max(std::abs(ri), floor));
    }
    return std::size(a) == std::size(r) ? worst : INFINITY;
}

/// max |a - r| / max(max |r|, floor): the error relative to the array's scale, the fair
/// measure for gradients whose elements are sums that may cancel.
template <class A, class R>
double normwise_error(const A& a, const R& r, double floor) {
    if (std::size(a) != std::size(r))
        return INFINITY;
    double diff = 0, scale = floor;
    for (std::size_t i = 0; i < std::size(r); ++i) {
        diff = std::max(diff, std::abs(static_cast<double>(a[i]) - static_cast<double>(r[i])));
        scale = std::max(scale, std::abs(static_cast<double>(r[i])));
    }
    return diff / scale;
}

/// The lecture's model with a bias, dynamic extents: o = σ(x·wᵀ + b).
namespace model {
using namespace ctgrad;
inline constexpr axis<"n"> n{};
inline constexpr axis<"k"> k{};
inline constexpr auto x = input<"x">(batch, n);
inline constexpr auto t = input<"t">(batch, k);
inline constexpr auto w = parameter<"w">(k, n);
inline constexpr auto b = parameter<"b">(k);
inline constexpr auto z = matmul(x, transpose(w)) + b;
inline constexpr auto o = sigmoid(z);
inline constexpr auto half_sse = 0.5_c * sum(pow<2>(o - t));
inline constexpr auto mse = mse_loss(o, t);
}  // namespace model

}  // namespace test_support
