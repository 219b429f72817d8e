#pragma once
// The models the training examples fit, shared with tests/unit/test_training_parity.cpp so the
// test replays exactly what the examples train: the lecture's perceptron with a bias,
//   o = σ(x·wᵀ + b)      x: batch × N features, w: K × N, b: K, o and t: batch × K
// and its two losses, each PyTorch's mean over batch × K:
//   mse  F.mse_loss(o, t)                 = mean((o − t)²)
//   bce  F.binary_cross_entropy(o, t)     = mean(−t log o − (1 − t) log(1 − o))
// N and K are static: one compiled program per data set and loss.

#include <cstddef>
#include <ctgrad/ctgrad.hpp>

namespace training {

/// Which loss a model is trained with.
enum class loss_kind { mse, bce };

/// The name PyTorch gives a loss ("mse_loss", "binary_cross_entropy").
constexpr const char* torch_name(loss_kind l) {
    return l == loss_kind::mse ? "mse_loss" : "binary_cross_entropy";
}

/// A single-layer perceptron with N inputs and K sigmoid outputs, and its losses.
template <std::size_t N, std::size_t K>
struct perceptron {
    static constexpr std::size_t inputs = N, outputs = K;
    // [snippet: training-model]
    static constexpr ctgrad::axis<"n", N> n{};  // features
    static constexpr ctgrad::axis<"k", K> k{};  // outputs
    static constexpr auto x = ctgrad::input<"x">(ctgrad::batch, n);
    static constexpr auto t = ctgrad::input<"t">(ctgrad::batch, k);
    static constexpr auto w = ctgrad::parameter<"w">(k, n);
    static constexpr auto b = ctgrad::parameter<"b">(k);
    static constexpr auto o = ctgrad::sigmoid(ctgrad::matmul(x, ctgrad::transpose(w)) + b);
    static constexpr auto mse = ctgrad::mse_loss(o, t);              // F.mse_loss(o, t)
    static constexpr auto bce = ctgrad::binary_cross_entropy(o, t);  // F.binary_cross_entropy(o, t)
    // [snippet-end]

    /// The loss expression of `L`.
    template <loss_kind L>
    static constexpr auto loss() {
        if constexpr (L == loss_kind::mse)
            return mse;
        else
            return bce;
    }

    /// One SGD step's computation: the loss and its gradients with respect to w and b, one fused pass.
    template <loss_kind L>
    static constexpr auto program() {
        return ctgrad::value_and_grad(loss<L>(), ctgrad::wrt(w, b));
    }
};

/// Wisconsin breast cancer: 30 features, one output (malignant 0, benign 1).
using breast_cancer_model = perceptron<30, 1>;
/// Handwritten digits, 8 × 8 pixels: 64 features, ten outputs (one per digit, one-hot targets).
using digits_model = perceptron<64, 10>;

}  // namespace training
