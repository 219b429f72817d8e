// The training examples against PyTorch, step for step: tests/data/training_cases.json
// (tests/tools/make_training_cases.py, torch 1.13, float32) holds, for each run of
// examples/train_breast_cancer.cpp and examples/train_digits.cpp (the perceptrons with MSE and
// BCE, and the digits' two-layer model with cross-entropy), the standardised training rows,
// the initial parameters, the mini-batches of the first 100 SGD steps, PyTorch's loss at each
// step and its parameters after the last. Here ctgrad replays those steps with the examples'
// own code (sgd_stepper of examples/training/trainer.hpp; the replay and the comparison are
// examples/pytorch_parity_training.hpp's, shared with pytorch_parity) and checks:
//   - the configuration, initial parameters and batch order are the examples' own (exactly);
//   - the loss of every step is PyTorch's to a relative 1e-5 (measured: at most 2.9e-7);
//   - the parameters after 100 steps are PyTorch's to 1e-5 of their largest magnitude;
//   - when scikit-learn's data files are on this machine (CTGRAD_SKLEARN_DATA or Debian's
//     python3-sklearn location), the examples' loading, split and standardisation give the
//     stored rows exactly.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "../../examples/pytorch_parity_training.hpp"
#include "configs.hpp"
#include "dataset.hpp"
#include "models.hpp"
#include "random.hpp"
#include "trainer.hpp"

namespace {

using nlohmann::json;
using namespace training;

namespace pt = parity::training_runs;  // the cases, their replay and the comparison, shared with pytorch_parity

/// tests/data/training_cases.json, parsed once.
const json& cases() {
    static const json doc = [] {
        std::ifstream in(std::string(CTGRAD_TEST_DATA_DIR) + "/training_cases.json");
        REQUIRE(in.good());
        return json::parse(in);
    }();
    return doc;
}

}  // namespace

TEST_CASE("training: each example's first 100 SGD steps give PyTorch's losses", "[training][parity]") {
    const std::vector<pt::training_case> runs = pt::parse_cases(cases(), "training_cases.json");
    REQUIRE(runs.size() == 5);
    for (const pt::training_case& c : runs) {
        DYNAMIC_SECTION(c.name) {
            const pt::results r = pt::evaluate(c);
            for (const std::string& field : r.differ)
                FAIL_CHECK("not the example's own: " << field);  // configuration, initial parameters, batch order
            const pt::case_error e = pt::compare(c, r);
            INFO("worst relative loss error " << e.worst_loss << "; worst error " << e.error << " at " << e.where);
            CHECK(e.worst_loss <= pt::tolerance);
            CHECK(pt::passes(e));
        }
    }
}

TEST_CASE("training: the examples' data pipeline gives the stored rows", "[training][dataset]") {
    const char* env = std::getenv("CTGRAD_SKLEARN_DATA");
    for (const auto& [name, d] : cases().at("datasets").items()) {
        DYNAMIC_SECTION(name) {
            const std::string file = find_data_file(env ? env : "", d.at("file").get<std::string>());
            if (file.empty()) {
                WARN(d.at("file").get<std::string>() << " not found (python3-sklearn's data): the stored rows are not "
                                                        "checked against the examples' pipeline");
                return;
            }
            const auto data = load_csv(file, d.at("header").get<bool>() ? header::sklearn : header::none);
            const problem p = make_problem(data, d.at("K").get<std::size_t>(), test_fraction, seed);
            CHECK(d.at("seed").get<std::uint64_t>() == seed);
            CHECK(d.at("test_fraction").get<double>() == test_fraction);
            REQUIRE(p.rows.train == d.at("file_rows").get<std::vector<std::size_t>>());
            const pt::stored_rows stored = pt::read_rows(d, name);
            std::size_t differ = 0;
            for (std::size_t i = 0; i < p.rows.train.size(); ++i) {
                for (std::size_t j = 0; j < p.x.cols; ++j)
                    differ += p.x.values[p.rows.train[i] * p.x.cols + j] != stored.x.values[i * p.x.cols + j];
                for (std::size_t k = 0; k < p.t.cols; ++k)
                    differ += p.t.values[p.rows.train[i] * p.t.cols + k] != stored.t.values[i * p.t.cols + k];
            }
            CHECK(differ == 0);
        }
    }
}
