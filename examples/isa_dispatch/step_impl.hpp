// The body of lecture_step for the instruction set of the including translation unit.
#pragma once
#include <ctgrad/ctgrad.hpp>

#include "step.hpp"

namespace {
step_result evaluate_lecture_step(const std::vector<float>& xs, const std::vector<float>& ws) {
    using namespace ctgrad;
    constexpr axis<"n", 10> n;
    constexpr axis<"k", 2> k;
    constexpr auto x = input<"x">(batch, n);
    constexpr auto w = parameter<"w">(k, n);
    constexpr auto loss = mse_loss(ones(1, 1), sigmoid(matmul(x, transpose(w))));
    step_result r{0.0f, std::vector<float>(ws.size()), lowering::instruction_set};
    auto [value, dw] = value_and_grad(loss, wrt(w))(bind(x, xs), bind(w, ws), r.dw);
    r.loss = value;
    return r;
}
}  // namespace
