// The training examples against PyTorch, step for step: tests/data/training_cases.json
// (tests/tools/make_training_cases.py, torch 1.13, float32) holds, for each run of
// examples/train_breast_cancer.cpp and examples/train_digits.cpp (the perceptrons with MSE and
// BCE, and the digits' two-layer model with cross-entropy), the standardised training rows,
// the initial parameters, the mini-batches of the first 100 SGD steps, PyTorch's loss at each
// step and its parameters after the last. Here ctgrad replays those steps with the examples'
// own code (sgd_stepper of examples/training/trainer.hpp) and checks:
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

#include "configs.hpp"
#include "dataset.hpp"
#include "models.hpp"
#include "random.hpp"
#include "trainer.hpp"

namespace {

using nlohmann::json;
using namespace training;

constexpr double loss_tolerance = 1e-5;
constexpr double parameter_tolerance = 1e-5;

/// tests/data/training_cases.json, parsed once.
const json& cases() {
    static const json doc = [] {
        std::ifstream in(std::string(CTGRAD_TEST_DATA_DIR) + "/training_cases.json");
        REQUIRE(in.good());
        return json::parse(in);
    }();
    return doc;
}

/// A json array of numbers as floats.
std::vector<float> floats(const json& a) {
    std::vector<float> v;
    v.reserve(a.size());
    for (const auto& e : a)
        v.push_back(e.get<float>());
    return v;
}

/// The stored training rows of a data set, as the matrices sgd_stepper reads.
struct stored_rows {
    matrix x, t;
};

stored_rows rows_of(const json& d) {
    const auto n = d.at("rows").get<std::size_t>(), N = d.at("N").get<std::size_t>(), K = d.at("K").get<std::size_t>();
    stored_rows r{{n, N, floats(d.at("x"))}, {n, K, floats(d.at("t"))}};
    REQUIRE(r.x.values.size() == n * N);
    REQUIRE(r.t.values.size() == n * K);
    return r;
}

/// The example's configuration of a case ("breast_cancer_mse" ...).
train_config config_of(const std::string& name) {
    if (name.rfind("breast_cancer", 0) == 0)
        return breast_cancer_config;
    if (name == "digits_two_layer")
        return digits_two_layer_config;
    return name == "digits_mse" ? digits_mse_config : digits_bce_config;
}

/// The largest |a - r| / max |r|.
double normwise(std::span<const float> a, const std::vector<float>& r) {
    double diff = 0, scale = 0;
    for (std::size_t i = 0; i < r.size(); ++i) {
        diff = std::max(diff, std::fabs(double(a[i]) - double(r[i])));
        scale = std::max(scale, std::fabs(double(r[i])));
    }
    return diff / scale;
}

/// Replays one case with Model and loss L and checks it against PyTorch.
template <class Model, loss_kind L>
void replay(const json& c, const stored_rows& data) {
    const std::string name = c.at("name");
    const train_config config = config_of(name);
    using stepper_t = sgd_stepper<Model, L>;
    INFO("case " << name);
    // The example's own model, configuration, initial parameters and batch order.
    CHECK(c.value("hidden", std::size_t{0}) == Model::hidden);
    CHECK(c.at("batch").get<std::size_t>() == config.batch);
    CHECK(c.at("lr").get<float>() == config.sgd.lr);
    CHECK(c.at("momentum").get<float>() == config.sgd.momentum);
    // PyTorch's parameters: PARAM0 before the steps, PARAM_final after, for each PARAM of Model.
    const auto stored = [&](const char* suffix) {
        typename stepper_t::tensors p;
        std::apply([&](auto... v) { p = {floats(c.at(std::string(name_of(v)) + suffix))...}; }, Model::parameters);
        return p;
    };
    const auto initial = stepper_t::initial(config.seed + 1, config.sgd);
    CHECK(initial.parameters() == stored("0"));
    const auto& batches = c.at("batches");
    {
        splitmix64 order(config.seed + 2);
        std::vector<std::size_t> perm;
        std::size_t s = data.x.rows;
        bool same = true;
        for (const auto& b : batches) {
            if (s >= data.x.rows)
                perm = permutation(data.x.rows, order), s = 0;
            for (const auto& row : b)
                same = same && s < perm.size() && row.get<std::size_t>() == perm[s++];
        }
        CHECK(same);
    }

    // The steps, from PyTorch's stored starting point.
    stepper_t stepper(stored("0"), config.sgd);
    const matrix class_column = class_indices(data.t);
    const matrix& targets = targets_of<Model>(data.t, class_column);
    const std::vector<float> losses = floats(c.at("losses"));
    REQUIRE(losses.size() == batches.size());
    double worst = 0;
    std::size_t worst_step = 0;
    for (std::size_t i = 0; i < batches.size(); ++i) {
        const auto rows = batches[i].get<std::vector<std::size_t>>();
        const float loss = stepper.step(data.x, targets, rows);
        const double e = std::fabs(double(loss) - double(losses[i])) / std::fabs(double(losses[i]));
        if (!(e <= worst))  // NaN too
            worst = e, worst_step = i;
    }
    INFO("worst relative loss error " << worst << " at step " << worst_step + 1 << " of " << batches.size());
    CHECK(worst <= loss_tolerance);
    const auto final_parameters = stored("_final");
    for (std::size_t i = 0; i < stepper_t::P; ++i) {
        INFO("parameter " << i);
        CHECK(normwise(stepper.parameters()[i], final_parameters[i]) <= parameter_tolerance);
    }
}

/// Replays case `c`, choosing the model and loss its fields name.
void replay_case(const json& c, const stored_rows& data) {
    const std::string dataset = c.at("dataset"), loss = c.at("loss");
    if (loss == "cross_entropy") {
        REQUIRE(dataset == "digits");
        return replay<digits_two_layer_model, loss_kind::cross_entropy>(c, data);
    }
    REQUIRE((loss == "mse_loss" || loss == "binary_cross_entropy"));
    const bool mse = loss == "mse_loss";
    if (dataset == "breast_cancer")
        mse ? replay<breast_cancer_model, loss_kind::mse>(c, data) : replay<breast_cancer_model, loss_kind::bce>(c, data);
    else if (dataset == "digits")
        mse ? replay<digits_model, loss_kind::mse>(c, data) : replay<digits_model, loss_kind::bce>(c, data);
    else
        FAIL("unknown data set " << dataset);
}

}  // namespace

TEST_CASE("training: each example's first 100 SGD steps give PyTorch's losses", "[training][parity]") {
    const json& doc = cases();
    REQUIRE(doc.at("cases").size() == 5);
    for (const auto& c : doc.at("cases")) {
        const std::string name = c.at("name");
        DYNAMIC_SECTION(name) {
            const stored_rows data = rows_of(doc.at("datasets").at(c.at("dataset").get<std::string>()));
            replay_case(c, data);
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
            const stored_rows stored = rows_of(d);
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
