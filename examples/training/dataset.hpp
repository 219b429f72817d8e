#pragma once
// From a data file to what SGD trains on: a fixed-seed train/test split, features standardised
// with the training rows' statistics, float32 matrices and targets (a 0/1 column for two
// classes, one-hot rows for more, or class indices). Also where the files are: Debian's
// python3-sklearn location by default, and what to tell a user who does not have them.
// Every step is mirrored by examples/training/training_common.py, so PyTorch sees the same rows.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "csv.hpp"
#include "random.hpp"

namespace training {

/// Where Debian's python3-sklearn installs scikit-learn's bundled data sets.
inline constexpr const char* debian_data_dir = "/usr/lib/python3/dist-packages/sklearn/datasets/data";

/// The exit status of an example whose data file is missing (CTest's SKIP_RETURN_CODE).
inline constexpr int exit_no_data = 77;

/// The data file to read: `argument` if given (a file, or a directory holding `file_name`),
/// else `file_name` in Debian's location. Empty if it does not exist.
inline std::string find_data_file(const std::string& argument, const std::string& file_name) {
    std::filesystem::path p = argument.empty() ? std::filesystem::path(debian_data_dir) : std::filesystem::path(argument);
    if (std::filesystem::is_directory(p))
        p /= file_name;
    return std::filesystem::is_regular_file(p) ? p.string() : std::string();
}

/// How to get scikit-learn's data files without installing the Python stack.
inline std::string how_to_get_data(const std::string& file_name) {
    return "cannot find " + file_name + " (looked in the argument, else " + debian_data_dir +
           ").\nIt ships in Debian's python3-sklearn. Either install it (apt-get install python3-sklearn), or "
           "extract the package without its dependencies:\n"
           "  apt-get download python3-sklearn && dpkg -x python3-sklearn_*.deb sklearn-pkg\n"
           "and pass sklearn-pkg/usr/lib/python3/dist-packages/sklearn/datasets/data as the first argument.\n"
           "(scripts/fetch_sklearn_data.sh DEST does it into DEST/data; scripts/run_examples.sh runs it.)";
}

/// Row indices of a split: the test rows are the first round(n * test_fraction) of a
/// splitmix64(seed) permutation (rounding half to even, as Python's round), both sorted.
struct split_rows {
    std::vector<std::size_t> train, test;
};

/// Splits n rows at random with a fixed seed.
inline split_rows split(std::size_t n, double test_fraction, std::uint64_t seed) {
    splitmix64 rng(seed);
    const auto p = permutation(n, rng);
    const auto n_test = static_cast<std::size_t>(std::nearbyint(static_cast<double>(n) * test_fraction));
    split_rows s{{p.begin() + static_cast<std::ptrdiff_t>(n_test), p.end()},
                 {p.begin(), p.begin() + static_cast<std::ptrdiff_t>(n_test)}};
    std::sort(s.train.begin(), s.train.end());
    std::sort(s.test.begin(), s.test.end());
    return s;
}

/// A float32 matrix, row-major.
struct matrix {
    std::size_t rows = 0, cols = 0;
    std::vector<float> values;
    const float* row(std::size_t i) const { return values.data() + i * cols; }
};

/// Per-feature mean and population standard deviation of the rows `fit_rows` (double,
/// summed in row order; a constant feature gets 1), and every row of `d` standardised with
/// them: float((x - mean) / std).
inline matrix standardise(const labelled_data& d, const std::vector<std::size_t>& fit_rows) {
    if (fit_rows.empty())
        throw std::invalid_argument("standardise: no rows to take the statistics from");
    const std::size_t F = d.features;
    const auto n = static_cast<double>(fit_rows.size());
    std::vector<double> mean(F, 0.0), sd(F, 1.0);
    for (std::size_t j = 0; j < F; ++j) {
        double s = 0;
        for (std::size_t i : fit_rows)
            s += d.x[i * F + j];
        mean[j] = s / n;
        double v = 0;
        for (std::size_t i : fit_rows) {
            const double dev = d.x[i * F + j] - mean[j];
            volatile double square = dev * dev;  // no fused multiply-add: the same sum as Python's
            v += square;
        }
        if (v > 0)
            sd[j] = std::sqrt(v / n);
    }
    matrix m{d.rows(), F, std::vector<float>(d.rows() * F)};
    for (std::size_t i = 0; i < d.rows(); ++i)
        for (std::size_t j = 0; j < F; ++j)
            m.values[i * F + j] = static_cast<float>((d.x[i * F + j] - mean[j]) / sd[j]);
    return m;
}

/// Targets of width `outputs`: with one output, the label itself (0 or 1); with more, one-hot rows.
inline matrix targets(const labelled_data& d, std::size_t outputs) {
    matrix t{d.rows(), outputs, std::vector<float>(d.rows() * outputs, 0.0f)};
    for (std::size_t i = 0; i < d.rows(); ++i) {
        const auto label = static_cast<std::size_t>(d.labels[i]);
        if (outputs == 1) {
            if (label > 1)
                throw std::invalid_argument("targets: label " + std::to_string(label) + " with one output");
            t.values[i] = static_cast<float>(label);
        } else {
            if (label >= outputs)
                throw std::invalid_argument("targets: label " + std::to_string(label) + " with " +
                                            std::to_string(outputs) + " outputs");
            t.values[i * outputs + label] = 1.0f;
        }
    }
    return t;
}

/// The class index of each row of targets `t`, as floats in one column (cross_entropy's y):
/// the 0/1 label itself with one output, else the position of the row's one.
inline matrix class_indices(const matrix& t) {
    if (t.cols == 1)
        return t;
    matrix y{t.rows, 1, std::vector<float>(t.rows)};
    for (std::size_t i = 0; i < t.rows; ++i)
        y.values[i] = static_cast<float>(std::max_element(t.row(i), t.row(i) + t.cols) - t.row(i));
    return y;
}

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
