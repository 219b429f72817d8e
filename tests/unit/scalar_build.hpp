#pragma once
// The lecture model with bias evaluated by whichever ISA this header is compiled for.

#include <cstddef>
#include <vector>

#include "test_support.hpp"

namespace scalar_build {
struct result {
    float loss;
    std::vector<float> dw, db, dx;
};

using namespace ctgrad::literals;
/// The same model under the elementwise pieces of the regression losses: clamp, maximum, abs
/// (and sign, the masks of their derivatives), Huber and L1.
inline constexpr auto robust = ctgrad::huber_loss(ctgrad::clamp(test_support::model::z, -2_c, 2_c), test_support::model::t) +
                               ctgrad::l1_loss(ctgrad::maximum(test_support::model::z, 0_c), test_support::model::t);

// static: each translation unit keeps its own copy, compiled for its own ISA.
template <class L>
static result evaluate_loss(const L& loss, std::size_t B, std::size_t N, std::size_t K, unsigned seed) {
    using namespace test_support::model;
    auto xs = test_support::normal<float>(B * N, seed), ws = test_support::normal<float>(K * N, seed + 1, 0.3);
    auto bs = test_support::normal<float>(K, seed + 2, 0.1), ts = test_support::uniform<float>(B * K, seed + 3);
    result r{0, std::vector<float>(K * N), std::vector<float>(K), std::vector<float>(B * N)};
    auto [value, gw, gb, gx] = ctgrad::value_and_grad(loss, ctgrad::wrt(w, b, x))(
        ctgrad::bind(x, xs.data(), {B, N}), ctgrad::bind(w, ws.data(), {K, N}), ctgrad::bind(b, bs),
        ctgrad::bind(t, ts.data(), {B, K}), r.dw, r.db, r.dx);
    r.loss = value;
    return r;
}
static result evaluate(std::size_t B, std::size_t N, std::size_t K, unsigned seed) {
    return evaluate_loss(test_support::model::mse, B, N, K, seed);
}
static result evaluate_robust(std::size_t B, std::size_t N, std::size_t K, unsigned seed) {
    return evaluate_loss(robust, B, N, K, seed);
}

/// Defined in scalar_build.cpp, compiled with CTGRAD_SCALAR.
result evaluate_scalar_build(std::size_t B, std::size_t N, std::size_t K, unsigned seed);
result evaluate_robust_scalar_build(std::size_t B, std::size_t N, std::size_t K, unsigned seed);
}  // namespace scalar_build
