#pragma once
// Stochastic gradient descent as torch.optim.SGD computes it (no weight decay, no dampening,
// no Nesterov), one parameter tensor at a time, and the gathering of a mini-batch's rows.
//   momentum 0:  p ← p − lr · g
//   momentum μ:  v ← μ v + g  (v = g at the first step),  p ← p − lr · v

#include <cstddef>
#include <span>
#include <stdexcept>
#include <vector>

#include "dataset.hpp"

namespace training {

/// The hyper-parameters of SGD.
struct sgd_options {
    float lr = 0.1f;
    float momentum = 0.0f;
};

/// The state of SGD for one parameter tensor: its momentum buffer.
class sgd {
public:
    sgd(std::size_t size, sgd_options options) : options_(options), velocity_(options.momentum != 0 ? size : 0) {}

    /// Updates `p` in place from its gradient `g` (same size).
    void step(std::span<float> p, std::span<const float> g) {
        if (p.size() != g.size())
            throw std::invalid_argument("sgd::step: parameter and gradient sizes differ");
        const float lr = options_.lr, mu = options_.momentum;
        if (mu == 0.0f) {
            for (std::size_t i = 0; i < p.size(); ++i)
                p[i] -= lr * g[i];
            return;
        }
        if (velocity_.size() != p.size())
            throw std::invalid_argument("sgd::step: parameter size changed");
        for (std::size_t i = 0; i < p.size(); ++i) {
            velocity_[i] = first_ ? g[i] : mu * velocity_[i] + g[i];
            p[i] -= lr * velocity_[i];
        }
        first_ = false;
    }

private:
    sgd_options options_;
    std::vector<float> velocity_;
    bool first_ = true;
};

/// Copies the rows `rows` of `m` (in that order) to the front of `out`, and returns them as a span.
inline std::span<const float> gather(const matrix& m, std::span<const std::size_t> rows, std::vector<float>& out) {
    if (out.size() < rows.size() * m.cols)
        out.resize(rows.size() * m.cols);
    float* dst = out.data();
    for (std::size_t r : rows)
        for (std::size_t j = 0; j < m.cols; ++j)
            *dst++ = m.values[r * m.cols + j];
    return {out.data(), rows.size() * m.cols};
}

}  // namespace training
