#pragma once
// The training loop of the examples: mini-batch SGD on a perceptron of models.hpp, batches in
// a splitmix64 order, a progress line per epoch (loss, accuracy, samples/s) and the history for
// the plot. `sgd_stepper` is one SGD step on given rows, the unit that
// tests/unit/test_training_parity.cpp replays against PyTorch's losses.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <ctgrad/ctgrad.hpp>
#include <span>
#include <string>
#include <vector>

#include "dataset.hpp"
#include "models.hpp"
#include "random.hpp"
#include "sgd.hpp"

namespace training {

/// A data set ready for training: standardised features, targets, labels and the split.
struct problem {
    matrix x, t;
    std::vector<int> labels;
    split_rows rows;
};

/// Splits `d` (seed `seed`), standardises it with the training rows, and makes `outputs`-wide targets.
inline problem make_problem(const labelled_data& d, std::size_t outputs, double test_fraction, std::uint64_t seed) {
    problem p;
    p.rows = split(d.rows(), test_fraction, seed);
    p.x = standardise(d, p.rows.train);
    p.t = targets(d, outputs);
    p.labels = d.labels;
    return p;
}

/// How to train: epochs, batch size, SGD's hyper-parameters, and the seed of split
/// (seed), initial weights (seed + 1) and batch order (seed + 2).
struct train_config {
    std::size_t epochs = 30;
    std::size_t batch = 32;
    sgd_options sgd;
    std::uint64_t seed = 2026;
};

/// The parameters of a perceptron Model and one SGD step on them with the loss L.
template <class Model, loss_kind L>
class sgd_stepper {
public:
    static constexpr std::size_t N = Model::inputs, K = Model::outputs;

    /// Starts from the given weights (K × N) and biases (K).
    sgd_stepper(std::vector<float> w, std::vector<float> b, sgd_options options)
        : w_(std::move(w)), b_(std::move(b)), gw_(K * N), gb_(K), opt_w_(K * N, options), opt_b_(K, options) {
        if (w_.size() != K * N || b_.size() != K)
            throw std::invalid_argument("sgd_stepper: w must have K x N elements and b K");
    }

    /// Starts from torch.nn.Linear's range of uniform weights, from splitmix64(seed): w, then b.
    static sgd_stepper initial(std::uint64_t seed, sgd_options options) {
        splitmix64 rng(seed);
        auto w = init_uniform(K * N, N, rng);
        auto b = init_uniform(K, N, rng);
        return sgd_stepper(std::move(w), std::move(b), options);
    }

    /// One step on the rows `rows` of x and t: the mini-batch's loss (before the update),
    /// its gradients in one fused pass, then SGD's update of w and b.
    float step(const matrix& x, const matrix& t, std::span<const std::size_t> rows) {
        const auto xb = gather(x, rows, xbuf_);
        const auto tb = gather(t, rows, tbuf_);
        auto [loss, dw, db] = program_(ctgrad::bind(Model::x, xb), ctgrad::bind(Model::t, tb),
                                       ctgrad::bind(Model::w, std::span<const float>(w_)),
                                       ctgrad::bind(Model::b, std::span<const float>(b_)), gw_, gb_);
        opt_w_.step(w_, dw);
        opt_b_.step(b_, db);
        return loss;
    }

    /// The class of each row: the output above 0.5 (one output) or the largest output; computed
    /// on z = x·wᵀ + b, since σ is increasing.
    int predict(const float* row) const {
        int best = 0;
        float best_z = 0;
        for (std::size_t k = 0; k < K; ++k) {
            float z = b_[k];
            for (std::size_t j = 0; j < N; ++j)
                z += row[j] * w_[k * N + j];
            if (K == 1)
                return z > 0 ? 1 : 0;
            if (k == 0 || z > best_z)
                best = static_cast<int>(k), best_z = z;
        }
        return best;
    }

    /// The fraction of `rows` whose predicted class is their label.
    double accuracy(const matrix& x, const std::vector<int>& labels, const std::vector<std::size_t>& rows) const {
        std::size_t right = 0;
        for (std::size_t r : rows)
            right += predict(x.row(r)) == labels[r] ? 1 : 0;
        return rows.empty() ? 0.0 : static_cast<double>(right) / static_cast<double>(rows.size());
    }

    const std::vector<float>& w() const { return w_; }
    const std::vector<float>& b() const { return b_; }

private:
    static constexpr auto program_ = Model::template program<L>();
    std::vector<float> w_, b_, gw_, gb_, xbuf_, tbuf_;
    sgd opt_w_, opt_b_;
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
            loss_sum += static_cast<double>(stepper.step(p.x, p.t, batch_rows)) * static_cast<double>(m);
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
