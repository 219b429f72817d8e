// Training on real data: the Wisconsin breast cancer set (569 samples, 30 features, two
// classes; Debian's python3-sklearn ships it) with the lecture's single-output perceptron
// o = σ(x·wᵀ + b), by mini-batch SGD, once with the MSE loss E = mean((o − t)²) and once with
// binary cross-entropy. A fixed-seed 80/20 split, features standardised with the training
// rows' statistics; a line per epoch, a summary, and an SVG plot of the curves.
// Its first 100 SGD steps are PyTorch's, loss for loss (tests/unit/test_training_parity.cpp).
//
//   train_breast_cancer [DATA] [--plot FILE.svg] [--epochs N]
// DATA: breast_cancer.csv or its directory (default: Debian's python3-sklearn location).
// Exit status: 0 when both runs reach 95 % on the held-out rows, 1 otherwise, 77 without data.

#include <cstdio>
#include <exception>
#include <vector>

#include "training/cli.hpp"
#include "training/configs.hpp"
#include "training/report.hpp"
#include "training/trainer.hpp"

using namespace training;

int main(int argc, char** argv) try {
    int status = 0;
    const auto start = start_example(argc, argv, "train_breast_cancer.svg", "breast_cancer.csv", status);
    if (!start)
        return status;
    const auto& [options, file] = *start;
    const labelled_data data = load_csv(file, header::sklearn);
    const problem p = make_problem(data, 1, test_fraction, seed);  // one output: the 0/1 label
    train_config config = breast_cancer_config;
    if (options.epochs)
        config.epochs = *options.epochs;
    std::printf("%s: %zu samples, %zu features, classes %s (0) and %s (1); %zu training, %zu held-out\n",
                file.c_str(), data.rows(), data.features, data.class_names.at(0).c_str(),
                data.class_names.at(1).c_str(), p.rows.train.size(), p.rows.test.size());
    std::printf("SGD: lr %g, momentum %g, batch %zu, %zu epochs\n\n", double(config.sgd.lr),
                double(config.sgd.momentum), config.batch, config.epochs);

    // [snippet: breast-cancer-training]
    std::vector<run_result> runs;
    runs.push_back(train<breast_cancer_model, loss_kind::mse>(p, config, "MSE (mse_loss)"));
    runs.push_back(train<breast_cancer_model, loss_kind::bce>(p, config, "BCE (binary_cross_entropy)"));
    // [snippet-end]
    print_summary(runs, p);
    plot_runs(options.plot, "Breast cancer: perceptron o = σ(x·wᵀ + b), mini-batch SGD", runs);
    return reaches(runs, 0.95) ? 0 : 1;
} catch (const std::exception& e) {
    std::fprintf(stderr, "train_breast_cancer: %s\n", e.what());
    return 1;
}
