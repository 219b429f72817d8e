#pragma once
/// \file
/// Function tags: the operations that YAP has no operator for. Each is the first child of a
/// YAP `call` node, `call<sigmoid_fn, Arg>`. Elementwise functions say so with
/// `elementwise = true`; the derivative rules for them live in diff/rules.hpp, the numeric
/// kernels in lower/elementwise.hpp and reference/evaluate.hpp.

#include "ctgrad/expr/axis.hpp"

namespace ctgrad {

/// e^a, elementwise.
struct exp_fn {
    static constexpr bool elementwise = true;
    static constexpr const char* text_name = "exp";
    static constexpr const char* latex_name = "\\exp";
};
/// Natural logarithm, elementwise.
struct log_fn {
    static constexpr bool elementwise = true;
    static constexpr const char* text_name = "log";
    static constexpr const char* latex_name = "\\log";
};
/// The logistic function 1 / (1 + e^-a), elementwise (`torch.sigmoid`).
struct sigmoid_fn {
    static constexpr bool elementwise = true;
    static constexpr const char* text_name = "sigmoid";
    static constexpr const char* latex_name = "\\sigma";
};
/// The hyperbolic tangent, elementwise (`torch.tanh`).
struct tanh_fn {
    static constexpr bool elementwise = true;
    static constexpr const char* text_name = "tanh";
    static constexpr const char* latex_name = "\\tanh";
};
/// max(a, 0), elementwise (`torch.relu`); NaN propagates.
struct relu_fn {
    static constexpr bool elementwise = true;
    static constexpr const char* text_name = "relu";
    static constexpr const char* latex_name = "\\operatorname{relu}";
};
/// The Heaviside step 1 if a > 0 else 0 (so 0 at 0, as PyTorch's relu gradient), elementwise.
struct heaviside_fn {
    static constexpr bool elementwise = true;
    static constexpr const char* text_name = "heaviside";
    static constexpr const char* latex_name = "\\operatorname{heaviside}";
};
/// log(1 + e^a), elementwise (`F.softplus`), computed stably.
struct softplus_fn {
    static constexpr bool elementwise = true;
    static constexpr const char* text_name = "softplus";
    static constexpr const char* latex_name = "\\operatorname{softplus}";
};
/// The binary cross-entropy of a probability o against a target t, elementwise:
/// -(t log o + (1 - t) log(1 - o)), each log clamped at -100 as in F.binary_cross_entropy.
struct bce_fn {
    static constexpr bool elementwise = true;
    static constexpr const char* text_name = "bce";
    static constexpr const char* latex_name = "\\operatorname{bce}";
};
/// a^N for an integer N, elementwise (`a ** N`).
template <int N>
struct pow_fn {
    static constexpr bool elementwise = true;
    static constexpr int exponent = N;
};
/// Matrix product over the shared axis: [p, q] x [q, r] -> [p, r] (`a @ b`).
struct matmul_fn {
    static constexpr bool elementwise = false;
};
/// Swap the two axes of a matrix (`w.t()`).
struct transpose_fn {
    static constexpr bool elementwise = false;
};
/// Sum over the axes `Over` (all of them for `sum(a)`); an axis the argument lacks is
/// broadcast, so summing over it multiplies by its extent.
template <class Over>
struct reduce_sum_fn {
    static constexpr bool elementwise = false;
    using over = Over;
};
/// Mean over the axes `Over` (all of them for `mean(a)`).
template <class Over>
struct reduce_mean_fn {
    static constexpr bool elementwise = false;
    using over = Over;
};

/// log Σ exp over the axes `Over` (`torch.logsumexp(a, dim)`), computed stably: the maximum
/// is subtracted before the exponentials. Its derivative is the softmax exp(a − logsumexp(a)).
template <class Over>
struct logsumexp_fn {
    static constexpr bool elementwise = false;
    using over = Over;
    static constexpr const char* text_name = "logsumexp";
    static constexpr const char* latex_name = "\\operatorname{logsumexp}";
};
/// The one-hot encoding of class indices along axis `Classes` (`F.one_hot(y, K)`): y[batch]
/// holding the integers 0..K-1 (stored as float or double) becomes [batch, Classes], 1 at
/// the class and 0 elsewhere. Constant with respect to y: its derivative is zero.
template <class Classes>
struct one_hot_fn {
    static constexpr bool elementwise = false;
    using classes = Classes;
    static constexpr const char* text_name = "onehot";
    static constexpr const char* latex_name = "\\operatorname{onehot}";
};

namespace detail {
template <class Fn>
concept ElementwiseFunction = Fn::elementwise;
}

}  // namespace ctgrad
