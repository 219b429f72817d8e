#pragma once
// What a training example shows once it has trained: a summary per run (final loss, accuracy
// on the training and the held-out rows, samples/s), the SVG plot of every run's loss and
// accuracy curves, and the verdict against the accuracy the example promises (its exit status).

#include <cstddef>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "svg_plot.hpp"
#include "trainer.hpp"

namespace training {

/// Prints one summary line per run.
inline void print_summary(const std::vector<run_result>& runs, const problem& p) {
    std::printf("\nsummary (%zu training rows, %zu held-out rows):\n", p.rows.train.size(), p.rows.test.size());
    for (const auto& r : runs)
        std::printf("  %-28s final loss %.6f  train acc %6.2f %%  test acc %6.2f %% (%zu of %zu)  %.0f samples/s\n",
                    r.name.c_str(), r.last().loss, 100 * r.last().train_accuracy, 100 * r.last().test_accuracy,
                    static_cast<std::size_t>(r.last().test_accuracy * static_cast<double>(p.rows.test.size()) + 0.5),
                    p.rows.test.size(), r.samples_per_second());
}

/// Writes the loss curves (left) and accuracy curves (right: held-out solid, training dashed).
inline void plot_runs(const std::string& path, const std::string& title, const std::vector<run_result>& runs) {
    static const char* colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd"};
    plot_panel loss{"training loss (mean over each epoch's mini-batches)", "loss", {}};
    plot_panel acc{"accuracy", "accuracy (%)", {}};
    for (std::size_t i = 0; i < runs.size(); ++i) {
        const std::string color = colors[i % 4];
        plot_series l{runs[i].name, {}, color, false}, test{runs[i].name + ", held-out", {}, color, false},
            train{runs[i].name + ", training", {}, color, true};
        for (const auto& e : runs[i].epochs) {
            l.y.push_back(e.loss);
            test.y.push_back(100 * e.test_accuracy);
            train.y.push_back(100 * e.train_accuracy);
        }
        loss.series.push_back(l);
        acc.series.push_back(test);
        acc.series.push_back(train);
    }
    write_svg_plot(path, title, "epoch", {loss, acc});
    std::printf("plot: %s\n", path.c_str());
}

/// True when every run's held-out accuracy reaches `target`; says which do not.
inline bool reaches(std::span<const run_result> runs, double target) {
    bool ok = true;
    for (const auto& r : runs) {
        if (r.last().test_accuracy < target) {
            std::printf("FAILED: %s reaches %.2f %% on the held-out rows, below the %.0f %% it should\n",
                        r.name.c_str(), 100 * r.last().test_accuracy, 100 * target);
            ok = false;
        }
    }
    if (ok) {
        std::printf("held-out accuracy of at least %.0f %%:", 100 * target);
        for (const auto& r : runs)
            std::printf(" %s%s", r.name.c_str(), &r == &runs.back() ? "\n" : ",");
    }
    return ok;
}

}  // namespace training
