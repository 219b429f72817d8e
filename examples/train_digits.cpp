// Training on real data: the handwritten digits set (1797 images of 8 × 8 pixels, ten classes;
// Debian's python3-sklearn ships it) with the lecture's multi-output perceptron: ten sigmoid
// outputs o = σ(x·wᵀ + b), one-hot targets, each output's loss averaged (PyTorch's mean over
// batch × 10), by mini-batch SGD with momentum, once with MSE and once with binary
// cross-entropy; then a two-layer model, 64 ReLU hidden units and ten logits,
// z = relu(x·w1ᵀ + b1)·w2ᵀ + b2, with F.cross_entropy(z, y) on the class indices y. The
// predicted digit is the largest output. A fixed-seed 80/20 split, features standardised with
// the training rows' statistics; a line per epoch, a summary, an SVG plot. The first 100 SGD
// steps of each run are PyTorch's, loss for loss (tests/unit/test_training_parity.cpp).
//
//   train_digits [DATA] [--plot FILE.svg] [--epochs N]
// DATA: digits.csv.gz or its directory (default: Debian's python3-sklearn location).
// Exit status: 0 when the one-layer runs reach 93 % on the held-out rows and the two-layer run
// 96 %, 1 otherwise, 77 without data.

#include <cstdio>
#include <exception>
#include <span>
#include <vector>

#include "training/cli.hpp"
#include "training/configs.hpp"
#include "training/report.hpp"
#include "training/trainer.hpp"

using namespace training;

int main(int argc, char** argv) try {
    int status = 0;
    const auto start = start_example(argc, argv, "train_digits.svg", "digits.csv.gz", status);
    if (!start)
        return status;
    const auto& [options, file] = *start;
    const labelled_data data = load_csv(file, header::none);
    const problem p = make_problem(data, 10, test_fraction, seed);  // ten outputs: one-hot targets
    train_config mse = digits_mse_config, bce = digits_bce_config, two = digits_two_layer_config;
    if (options.epochs)
        mse.epochs = bce.epochs = two.epochs = *options.epochs;
    std::printf("%s: %zu samples, %zu features, %zu classes; %zu training, %zu held-out\n", file.c_str(), data.rows(),
                data.features, data.classes(), p.rows.train.size(), p.rows.test.size());
    std::printf("SGD: batch %zu, %zu epochs, momentum %g; lr %g (MSE), %g (BCE), %g (two layers, %zu hidden units)\n\n",
                mse.batch, mse.epochs, double(mse.sgd.momentum), double(mse.sgd.lr), double(bce.sgd.lr),
                double(two.sgd.lr), digits_two_layer_model::hidden);

    // [snippet: digits-training]
    std::vector<run_result> runs;
    runs.push_back(train<digits_model, loss_kind::mse>(p, mse, "MSE (mse_loss)"));
    runs.push_back(train<digits_model, loss_kind::bce>(p, bce, "BCE (binary_cross_entropy)"));
    runs.push_back(train<digits_two_layer_model, loss_kind::cross_entropy>(p, two, "two layers (cross_entropy)"));
    // [snippet-end]
    print_summary(runs, p);
    plot_runs(options.plot,
              "Digits: perceptron o = σ(x·wᵀ + b) and two layers z = relu(x·w1ᵀ + b1)·w2ᵀ + b2, SGD with momentum",
              runs);
    const std::span<const run_result> all(runs);
    const bool one_layer = reaches(all.first(2), 0.93), two_layers = reaches(all.last(1), 0.96);
    return one_layer && two_layers ? 0 : 1;
} catch (const std::exception& e) {
    std::fprintf(stderr, "train_digits: %s\n", e.what());
    return 1;
}
