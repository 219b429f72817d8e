#pragma once
/// \file
/// The reference evaluator's formulas for the elementwise functions: `std::` functions in
/// double, written from their definitions (PyTorch's where it chooses a convention), sharing
/// nothing with the lowering's SIMD kernels, so that comparing the two checks both.

#include <algorithm>
#include <cmath>

#include "ctgrad/expr/functions.hpp"
#include "ctgrad/ops/tables.hpp"

namespace ctgrad {

template <>
struct reference_impl<exp_fn> {
    static double apply(double a) { return std::exp(a); }
};
template <>
struct reference_impl<log_fn> {
    static double apply(double a) { return std::log(a); }
};
/// 1 / (1 + e^-a), written per sign so that neither exponential overflows.
template <>
struct reference_impl<sigmoid_fn> {
    static double apply(double a) { return a >= 0 ? 1.0 / (1.0 + std::exp(-a)) : std::exp(a) / (1.0 + std::exp(a)); }
};
template <>
struct reference_impl<tanh_fn> {
    static double apply(double a) { return std::tanh(a); }
};
/// max(a, 0), NaN propagated as torch.relu does.
template <>
struct reference_impl<relu_fn> {
    static double apply(double a) { return std::isnan(a) ? a : (a > 0 ? a : 0.0); }
};
/// 1 where a > 0, else 0 (0 at 0: PyTorch's relu gradient).
template <>
struct reference_impl<heaviside_fn> {
    static double apply(double a) { return a > 0 ? 1.0 : 0.0; }
};
/// log(1 + e^a) = max(a, 0) + log1p(e^-|a|): no overflow for large |a|.
template <>
struct reference_impl<softplus_fn> {
    static double apply(double a) {
        return std::isnan(a) ? a : std::max(a, 0.0) + std::log1p(std::exp(-std::fabs(a)));
    }
};
/// -(t log o + (1 - t) log(1 - o)), each log clamped at -100 as F.binary_cross_entropy.
template <>
struct reference_impl<bce_fn> {
    static double clamped_log(double v) {
        const double l = std::log(v);
        return l < -100.0 ? -100.0 : l;  // NaN stays NaN
    }
    static double apply(double o, double t) { return -(t * clamped_log(o) + (1.0 - t) * clamped_log(1.0 - o)); }
};
template <int N>
struct reference_impl<pow_fn<N>> {
    static double apply(double a) { return std::pow(a, N); }
};

}  // namespace ctgrad
