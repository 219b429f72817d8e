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

// static: each translation unit keeps its own copy, compiled for its own ISA.
static result evaluate(std::size_t B, std::size_t N, std::size_t K, unsigned seed) {
    using namespace test_support::model;
    auto xs = test_support::normal<float>(B * N, seed), ws = test_support::normal<float>(K * N, seed + 1, 0.3);
    auto bs = test_support::normal<float>(K, seed + 2, 0.1), ts = test_support::uniform<float>(B * K, seed + 3);
    result r{0, std::vector<float>(K * N), std::vector<float>(K), std::vector<float>(B * N)};
    auto [loss, gw, gb, gx] = ctgrad::value_and_grad(mse, ctgrad::wrt(w, b, x))(
        ctgrad::bind(x, xs.data(), {B, N}), ctgrad::bind(w, ws.data(), {K, N}), ctgrad::bind(b, bs),
        ctgrad::bind(t, ts.data(), {B, K}), r.dw, r.db, r.dx);
    r.loss = loss;
    return r;
}

/// Defined in scalar_build.cpp, compiled with CTGRAD_SCALAR.
result evaluate_scalar_build(std::size_t B, std::size_t N, std::size_t K, unsigned seed);
}  // namespace scalar_build
