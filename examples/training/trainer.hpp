#pragma once
// The training loop of the examples: mini-batch SGD (ctgrad::optim::sgd, torch.optim.SGD's
// update) on a model of models.hpp, batches in a splitmix64 order, a progress line per epoch
// (loss, accuracy, samples/s) and the history for the plot. `sgd_stepper` is one SGD step on
// given rows, the unit that tests/unit/test_training_parity.cpp replays against PyTorch's losses.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <ctgrad/ctgrad.hpp>
#include <ctgrad/optim.hpp>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "dataset.hpp"
#include "models.hpp"
#include "random.hpp"

namespace training {

/// A data set ready for training: standardised features, targets (one-hot rows or the 0/1
/// label, and class indices), labels and the split.
struct problem {
    matrix x, t, y;
    std::vector<int> labels;
    split_rows rows;
};

/// Splits `d` (seed `seed`), standardises it with the training rows, and makes `outputs`-wide targets.
inline problem make_problem(const labelled_data& d, std::size_t outputs, double test_fraction, std::uint64_t seed) {
    problem p;
    p.rows = split(d.rows(), test_fraction, seed);
    p.x = standardise(d, p.rows.train);
    p.t = targets(d, outputs);
    p.y = class_indices(p.t);
    p.labels = d.labels;
    return p;
}

/// How to train: epochs, batch size, SGD's hyper-parameters, and the seed of split
/// (seed), initial weights (seed + 1) and batch order (seed + 2).
struct train_config {
    std::size_t epochs = 30;
    std::size_t batch = 32;
    ctgrad::optim::sgd_options sgd;
    std::uint64_t seed = 2026;
};

/// The targets Model's loss compares with: `t` (one-hot rows, or the 0/1 label) or, for a loss
/// of class indices, `y` (one column).
template <class Model>
const matrix& targets_of(const matrix& t, const matrix& y) {
    return ctgrad::rank_v<decltype(Model::target)> == 1 ? y : t;
}

/// The parameters of a Model of models.hpp and one SGD step on them with the loss L.
template <class Model, loss_kind L>
class sgd_stepper {
public:
    static constexpr std::size_t P = std::tuple_size_v<decltype(Model::parameters)>;
    /// Each parameter's values, in the order of Model::parameters.
    using tensors = std::array<std::vector<float>, P>;
    /// Each parameter's number of elements.
    static constexpr std::array<std::size_t, P> sizes =
        std::apply([](auto... v) { return std::array{elements(v)...}; }, Model::parameters);

    /// Starts from the given parameters, each of its variable's size.
    sgd_stepper(tensors p, ctgrad::optim::sgd_options options) : p_(std::move(p)), opt_(sizes, options) {
        for (std::size_t i = 0; i < P; ++i) {
            if (p_[i].size() != sizes[i])
                throw std::invalid_argument("sgd_stepper: parameter " + std::to_string(i) + " has " +
                                            std::to_string(p_[i].size()) + " elements, not " +
                                            std::to_string(sizes[i]));
            g_[i].resize(sizes[i]);
        }
    }

    /// Starts from torch.nn.Linear's range of uniform weights, from splitmix64(seed): the
    /// parameters in order, each uniform in ±1/√(its layer's fan-in).
    static sgd_stepper initial(std::uint64_t seed, ctgrad::optim::sgd_options options) {
        splitmix64 rng(seed);
        tensors p;
        for (std::size_t i = 0; i < P; ++i)
            p[i] = init_uniform(sizes[i], Model::fan_in[i], rng);
        return sgd_stepper(std::move(p), options);
    }

    /// One step on the rows `rows` of x and of the targets (targets_of<Model>): the mini-batch's
    /// loss (before the update), its gradients in one fused pass, then SGD's update of the parameters.
    float step(const matrix& x, const matrix& targets, std::span<const std::size_t> rows) {
        const auto xb = gather(x, rows, xbuf_);
        const auto tb = gather(targets, rows, tbuf_);
        const float loss = [&]<std::size_t... I>(std::index_sequence<I...>) {
            return std::get<0>(program_(ctgrad::bind(Model::x, xb), ctgrad::bind(Model::target, tb),
                                        ctgrad::bind(std::get<I>(Model::parameters), std::span<const float>(p_[I]))...,
                                        std::span<float>(g_[I])...));
        }(std::make_index_sequence<P>{});
        std::array<std::span<float>, P> p;
        std::array<std::span<const float>, P> g;
        for (std::size_t i = 0; i < P; ++i) {
            p[i] = p_[i];
            g[i] = g_[i];
        }
        opt_.step(p, g);
        return loss;
    }

    /// The fraction of `rows` whose predicted class is their label. The classes come from the
    /// forward pass over the rows' logits z (ctgrad's SIMD executor, `value`): the output above
    /// 0.5, i.e. z > 0, for one output (σ is increasing), else the largest, value(argmax(z, k)).
    double accuracy(const matrix& x, const std::vector<int>& labels, const std::vector<std::size_t>& rows) const {
        if (rows.empty())
            return 0.0;
        std::vector<float> xrows;
        const auto xb = gather(x, rows, xrows);
        std::vector<int> predicted(rows.size());
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            const auto bx = ctgrad::bind(Model::x, xb);
            if constexpr (Model::outputs == 1) {
                std::vector<float> z(rows.size());
                ctgrad::value(Model::z)(bx, ctgrad::bind(std::get<I>(Model::parameters), std::span<const float>(p_[I]))...,
                                        z);
                std::transform(z.begin(), z.end(), predicted.begin(), [](float v) { return v > 0 ? 1 : 0; });
            } else {
                ctgrad::value(ctgrad::argmax(Model::z, Model::k))(
                    bx, ctgrad::bind(std::get<I>(Model::parameters), std::span<const float>(p_[I]))..., predicted);
            }
        }(std::make_index_sequence<P>{});
        std::size_t right = 0;
        for (std::size_t i = 0; i < rows.size(); ++i)
            right += predicted[i] == labels[rows[i]] ? 1 : 0;
        return static_cast<double>(right) / static_cast<double>(rows.size());
    }

    /// The parameters' current values, in the order of Model::parameters.
    const tensors& parameters() const { return p_; }

private:
    static constexpr auto program_ = ctgrad::value_and_grad(
        Model::template loss<L>(), std::apply([](auto... v) { return ctgrad::wrt(v...); }, Model::parameters));
    tensors p_, g_;
    ctgrad::optim::sgd<float> opt_;  // all P parameters, one momentum buffer each
    std::vector<float> xbuf_, tbuf_;
};

/// One epoch's figures.
struct epoch_record {
    std::size_t epoch = 0;
    double loss = 0;            ///< mean of the mini-batch losses, weighted by batch size
    double train_accuracy = 0;  ///< after the epoch
    double test_accuracy = 0;   ///< after the epoch, on the held-out rows
    double samples_per_second = 0;
};

/// A whole training run.
struct run_result {
    std::string name;
    std::vector<epoch_record> epochs;
    double train_seconds = 0;  ///< time in SGD steps (gather, loss and gradients, update)
    std::size_t samples = 0;   ///< samples stepped over

    const epoch_record& last() const { return epochs.back(); }
    double samples_per_second() const { return train_seconds > 0 ? static_cast<double>(samples) / train_seconds : 0; }
};

/// Trains Model with loss L on `p` as `c` says, printing one line per epoch prefixed by `name`.
template <class Model, loss_kind L>
run_result train(const problem& p, const train_config& c, const std::string& name) {
    auto stepper = sgd_stepper<Model, L>::initial(c.seed + 1, c.sgd);
    const matrix& targets = targets_of<Model>(p.t, p.y);
    splitmix64 order(c.seed + 2);
    run_result result{name, {}, 0, 0};
    const std::size_t n = p.rows.train.size();
    std::vector<std::size_t> batch_rows;
    for (std::size_t e = 1; e <= c.epochs; ++e) {
        const auto perm = permutation(n, order);
        double loss_sum = 0;
        const auto t0 = std::chrono::steady_clock::now();
        for (std::size_t s = 0; s < n; s += c.batch) {
            const std::size_t m = std::min(c.batch, n - s);
            batch_rows.resize(m);
            for (std::size_t i = 0; i < m; ++i)
                batch_rows[i] = p.rows.train[perm[s + i]];
            loss_sum += static_cast<double>(stepper.step(p.x, targets, batch_rows)) * static_cast<double>(m);
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        result.train_seconds += seconds;
        result.samples += n;
        epoch_record r{e, loss_sum / static_cast<double>(n), stepper.accuracy(p.x, p.labels, p.rows.train),
                       stepper.accuracy(p.x, p.labels, p.rows.test), seconds > 0 ? static_cast<double>(n) / seconds : 0};
        result.epochs.push_back(r);
        std::printf("%s  epoch %3zu/%zu  loss %.6f  train acc %6.2f %%  test acc %6.2f %%  %10.0f samples/s\n",
                    name.c_str(), e, c.epochs, r.loss, 100 * r.train_accuracy, 100 * r.test_accuracy,
                    r.samples_per_second);
    }
    return result;
}

}  // namespace training
