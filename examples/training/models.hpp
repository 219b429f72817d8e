#pragma once
// The models the training examples fit, shared with tests/unit/test_training_parity.cpp so the
// test replays exactly what the examples train:
//   perceptron  the lecture's perceptron with a bias, o = σ(x·wᵀ + b)
//               x: batch × N features, w: K × N, b: K, o and t: batch × K
//               trained with either of two losses, each PyTorch's mean over batch × K:
//                 mse  F.mse_loss(o, t)              = mean((o − t)²)
//                 bce  F.binary_cross_entropy(o, t)  = mean(−t log o − (1 − t) log(1 − o))
//   two_layer   h = relu(x·w1ᵀ + b1), z = h·w2ᵀ + b2: N inputs, H hidden units, K logits
//               w1: H × N, b1: H, w2: K × H, b2: K, y: batch class indices (as floats)
//                 cross_entropy  F.cross_entropy(z, y) = mean(logsumexp(z) − z[y])
// N, H and K are static: one compiled program per data set, model and loss. Each model lists
// its `parameters` (torch.nn.Linear's order: each layer's weights, then its biases) with the
// fan-in of their layer, and names its logits `z` and class axis `k` (the predicted class: the
// forward pass value(z), or value(argmax(z, k))).

#include <algorithm>
#include <array>
#include <cstddef>
#include <ctgrad/ctgrad.hpp>
#include <string_view>
#include <tuple>
#include <vector>

namespace training {

/// Which loss a model is trained with.
enum class loss_kind { mse, bce, cross_entropy };

/// The name PyTorch gives a loss ("mse_loss", "binary_cross_entropy", "cross_entropy").
constexpr const char* torch_name(loss_kind l) {
    return l == loss_kind::mse ? "mse_loss" : l == loss_kind::bce ? "binary_cross_entropy" : "cross_entropy";
}

/// The number of elements of a variable of static shape.
template <class V>
constexpr std::size_t elements(const V&) {
    return []<class... A>(ctgrad::axes<A...>) {
        return (A::extent * ... * std::size_t{1});
    }(typename ctgrad::leaf_t<V>::shape{});
}

/// The name of a variable ("w1").
template <class V>
constexpr std::string_view name_of(const V&) {
    return ctgrad::leaf_t<V>::name.view();
}

/// A single-layer perceptron with N inputs and K sigmoid outputs, and its losses.
template <std::size_t N, std::size_t K>
struct perceptron {
    static constexpr std::size_t inputs = N, hidden = 0, outputs = K;
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
    static constexpr auto z = ctgrad::matmul(x, ctgrad::transpose(w)) + b;  // the logits: o = σ(z)
    static constexpr auto parameters = std::tuple(w, b);
    static constexpr std::array<std::size_t, 2> fan_in{N, N};

    static constexpr auto target = t;  // what the losses compare the outputs with

    /// The loss expression of `L`.
    template <loss_kind L>
    static constexpr auto loss() {
        static_assert(L != loss_kind::cross_entropy, "the examples train perceptrons with mse or bce");
        if constexpr (L == loss_kind::mse)
            return mse;
        else
            return bce;
    }

};

/// Two fully connected layers, N inputs, H ReLU hidden units and K logits, with cross-entropy.
template <std::size_t N, std::size_t H, std::size_t K>
struct two_layer {
    static constexpr std::size_t inputs = N, hidden = H, outputs = K;
    // [snippet: training-two-layer]
    static constexpr ctgrad::axis<"n", N> n{};    // features
    static constexpr ctgrad::axis<"h", H> hid{};  // hidden units
    static constexpr ctgrad::axis<"k", K> k{};    // classes
    static constexpr auto x = ctgrad::input<"x">(ctgrad::batch, n);
    static constexpr auto y = ctgrad::input<"y">(ctgrad::batch);  // class indices 0..K-1, as floats
    static constexpr auto w1 = ctgrad::parameter<"w1">(hid, n);
    static constexpr auto b1 = ctgrad::parameter<"b1">(hid);
    static constexpr auto w2 = ctgrad::parameter<"w2">(k, hid);
    static constexpr auto b2 = ctgrad::parameter<"b2">(k);
    static constexpr auto h = ctgrad::relu(ctgrad::matmul(x, ctgrad::transpose(w1)) + b1);
    static constexpr auto z = ctgrad::matmul(h, ctgrad::transpose(w2)) + b2;
    static constexpr auto ce = ctgrad::cross_entropy(z, y);  // F.cross_entropy(z, y)
    // [snippet-end]
    static constexpr auto parameters = std::tuple(w1, b1, w2, b2);
    static constexpr std::array<std::size_t, 4> fan_in{N, N, H, H};

    static constexpr auto target = y;

    /// The loss expression of `L`.
    template <loss_kind L>
    static constexpr auto loss() {
        static_assert(L == loss_kind::cross_entropy, "the examples train the two-layer model with cross_entropy");
        return ce;
    }

};

/// Wisconsin breast cancer: 30 features, one output (malignant 0, benign 1).
using breast_cancer_model = perceptron<30, 1>;
/// Handwritten digits, 8 × 8 pixels: 64 features, ten outputs (one per digit, one-hot targets).
using digits_model = perceptron<64, 10>;
/// Handwritten digits with a hidden layer of 64 ReLU units and ten logits (class indices).
using digits_two_layer_model = two_layer<64, 64, 10>;

}  // namespace training
