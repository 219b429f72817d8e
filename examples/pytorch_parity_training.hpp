#pragma once
// The training examples against PyTorch, step for step (tests/data/training_cases.json, made by
// tests/tools/make_training_cases.py, torch 1.13, float32; format in tests/data/README.md,
// "Training cases"): for each run of examples/train_breast_cancer.cpp and train_digits.cpp, the
// standardised training rows (stored in the file: no data set is read), the initial parameters,
// the mini-batches of the first 100 SGD steps, PyTorch's loss at each step and its parameters
// after the last. ctgrad replays those steps with the examples' own code (sgd_stepper of
// examples/training/trainer.hpp, the configurations of configs.hpp). Shared by
// examples/pytorch_parity (the tool, pytorch_parity/training.cpp) and
// tests/unit/test_training_parity.cpp.
//
// Comparison rule, the worst of:
//   - the configuration, initial parameters and batch order are the examples' own, exactly
//     (else an infinite error at the field that differs);
//   - each step's loss: |ctgrad − torch| / |torch| (measured: at most 2.9e-7);
//   - each parameter after the last step: max |ctgrad − torch| / max |torch| over its elements;
// passing when at most 1e-5 (`tolerance`).

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "pytorch_parity_cases.hpp"
#include "training/configs.hpp"
#include "training/dataset.hpp"
#include "training/models.hpp"
#include "training/random.hpp"
#include "training/trainer.hpp"

namespace parity::training_runs {

/// The largest error that passes, for the losses and for the final parameters.
inline constexpr double tolerance = 1e-5;

/// The runs of the file: a model of examples/training/models.hpp with a loss.
enum class run_kind { breast_cancer_mse, breast_cancer_bce, digits_mse, digits_bce, digits_two_layer };

/// A data set's stored training rows, as sgd_stepper reads them.
struct stored_rows {
    training::matrix x, t;
};

/// One case of training_cases.json.
struct training_case {
    std::string name;
    dtype type = dtype::float32;  ///< every run is in float32 (the file has no dtype)
    run_kind run = run_kind::breast_cancer_mse;
    std::shared_ptr<const stored_rows> data;  ///< the rows of the case's data set
    nlohmann::json fields;  ///< the case itself: its parameters are read by the model's names
    std::vector<std::vector<std::size_t>> batches;
    std::optional<std::vector<double>> losses;  ///< PyTorch's, one per step
};

/// ctgrad's replay of a case.
struct results {
    std::vector<double> losses;  ///< each step's mini-batch loss, before its update
    std::vector<std::pair<std::string, std::vector<double>>> final_params;  ///< "w_final", ... in the model's order
    std::vector<std::string> differ;  ///< fields of the case that are not the example's own (empty: all are)
};

/// The example's configuration of a run.
inline training::train_config config_of(run_kind r) {
    switch (r) {
    case run_kind::breast_cancer_mse:
    case run_kind::breast_cancer_bce: return training::breast_cancer_config;
    case run_kind::digits_mse: return training::digits_mse_config;
    case run_kind::digits_bce: return training::digits_bce_config;
    default: return training::digits_two_layer_config;
    }
}

/// Calls f(std::type_identity<Model>{}, std::integral_constant<loss_kind, L>{}) with the run's
/// model and loss.
template <class F>
decltype(auto) with_run(run_kind r, F f) {
    using training::loss_kind;
    const auto call = [&]<class Model, loss_kind L>() {
        return f(std::type_identity<Model>{}, std::integral_constant<loss_kind, L>{});
    };
    switch (r) {
    case run_kind::breast_cancer_mse: return call.template operator()<training::breast_cancer_model, loss_kind::mse>();
    case run_kind::breast_cancer_bce: return call.template operator()<training::breast_cancer_model, loss_kind::bce>();
    case run_kind::digits_mse: return call.template operator()<training::digits_model, loss_kind::mse>();
    case run_kind::digits_bce: return call.template operator()<training::digits_model, loss_kind::bce>();
    default:
        return call.template operator()<training::digits_two_layer_model, loss_kind::cross_entropy>();
    }
}

/// A JSON array of numbers as floats (read_case has checked it).
inline std::vector<float> floats(const nlohmann::json& a) {
    std::vector<float> v;
    v.reserve(a.size());
    for (const auto& e : a)
        v.push_back(e.get<float>());
    return v;
}

/// Replays case `c` with its model and loss: checks that its configuration, initial parameters
/// and batch order are the example's, then runs its steps from PyTorch's initial parameters.
inline results evaluate(const training_case& c) {
    return with_run(c.run, [&]<class Model, training::loss_kind L>(std::type_identity<Model>,
                                                                     std::integral_constant<training::loss_kind, L>) {
        using stepper_t = training::sgd_stepper<Model, L>;
        const training::train_config config = config_of(c.run);
        results r;
        const auto expect = [&](bool same, const char* field) {
            if (!same)
                r.differ.push_back(field);
        };
        expect(c.fields.value("hidden", std::size_t{0}) == Model::hidden, "hidden");
        expect(c.fields.at("batch").get<std::size_t>() == config.batch, "batch");
        expect(c.fields.at("lr").get<float>() == config.sgd.lr, "lr");
        expect(c.fields.at("momentum").get<float>() == config.sgd.momentum, "momentum");
        // PyTorch's parameters: PARAM0 before the steps, PARAM_final after, for each PARAM of Model.
        const auto stored = [&](const char* suffix) {
            typename stepper_t::tensors p;
            std::apply([&](auto... v) { p = {floats(c.fields.at(std::string(training::name_of(v)) + suffix))...}; },
                       Model::parameters);
            return p;
        };
        const auto initial = stepper_t::initial(config.seed + 1, config.sgd);
        expect(initial.parameters() == stored("0"), "initial parameters");
        {  // the example's batch order: splitmix64(seed + 2) permutations, one per epoch
            training::splitmix64 order(config.seed + 2);
            std::vector<std::size_t> perm;
            std::size_t s = c.data->x.rows;
            bool same = true;
            for (const auto& b : c.batches) {
                if (s >= c.data->x.rows)
                    perm = training::permutation(c.data->x.rows, order), s = 0;
                for (std::size_t row : b)
                    same = same && s < perm.size() && row == perm[s++];
            }
            expect(same, "batches");
        }
        // The steps, from PyTorch's stored starting point.
        stepper_t stepper(stored("0"), config.sgd);
        const training::matrix class_column = training::class_indices(c.data->t);
        const training::matrix& targets = training::targets_of<Model>(c.data->t, class_column);
        for (const auto& rows : c.batches)
            r.losses.push_back(stepper.step(c.data->x, targets, rows));
        std::size_t i = 0;
        std::apply(
            [&](auto... v) {
                ((r.final_params.emplace_back(std::string(training::name_of(v)) + "_final",
                                              std::vector<double>(stepper.parameters()[i].begin(),
                                                                  stepper.parameters()[i].end())),
                  ++i),
                 ...);
            },
            Model::parameters);
        return r;
    });
}

// ---------------------------------------------------------------------------------------
// Comparison

/// How far a replay is from PyTorch's run: the worst of the losses and the final parameters.
struct case_error : worst_error {
    double worst_loss = 0;  ///< the largest relative error of a step's loss
};

/// Compares the replay `a` of case `c` with PyTorch's run (c.losses present; see the top of the file).
inline case_error compare(const training_case& c, const results& a) {
    case_error e;
    e.where = "losses";
    const double inf = std::numeric_limits<double>::infinity();
    for (const std::string& field : a.differ)
        e.add(inf, field);
    const std::vector<double>& losses = *c.losses;
    if (a.losses.size() != losses.size())
        e.add(inf, "losses (count)");
    for (std::size_t i = 0; i < losses.size() && i < a.losses.size(); ++i) {
        const double rel = std::fabs(a.losses[i] - losses[i]) / std::fabs(losses[i]);
        e.worst_loss = std::isnan(rel) ? inf : std::max(e.worst_loss, rel);
        e.add(rel, detail::cat("losses[", std::to_string(i), "]"));
    }
    for (const auto& [name, values] : a.final_params) {
        const std::vector<float> want = floats(c.fields.at(name));
        double diff = want.size() == values.size() ? 0 : inf, scale = 0;
        for (std::size_t i = 0; i < want.size() && i < values.size(); ++i) {
            diff = std::max(diff, std::fabs(values[i] - double(want[i])));
            scale = std::max(scale, std::fabs(double(want[i])));
        }
        e.add(diff / scale, name);
    }
    return e;
}

/// Does it pass? (The error is at most `tolerance`.)
inline bool passes(const case_error& e) {
    return e.error <= tolerance;
}

/// What --check says of a case without PyTorch's losses or final parameters; nullopt when it has them.
inline std::optional<std::string> missing_result(const training_case& c) {
    if (!c.losses)
        return "field 'losses': missing (--check needs losses and the final parameters)";
    std::optional<std::string> missing;
    with_run(c.run, [&]<class Model, training::loss_kind L>(std::type_identity<Model>,
                                                              std::integral_constant<training::loss_kind, L>) {
        std::apply(
            [&](auto... v) {
                for (const std::string& name : {std::string(training::name_of(v)) + "_final"...})
                    if (!missing && !c.fields.contains(name))
                        missing = detail::cat("field '", name, "': missing (--check needs the final parameters)");
            },
            Model::parameters);
    });
    return missing;
}

// ---------------------------------------------------------------------------------------
// Reading

/// Reads the stored rows of a data set ("datasets"."NAME" of the file), named `name` in messages.
inline stored_rows read_rows(const nlohmann::json& d, const std::string& where) {
    const detail::case_reader r(d, where);
    const std::size_t n = r.extent("rows"), N = r.extent("N"), K = r.extent("K");
    const std::vector<double> x = r.numbers("x", detail::product(n, N), dtype::float32, "rows*N");
    const std::vector<double> t = r.numbers("t", detail::product(n, K), dtype::float32, "rows*K");
    return {{n, N, std::vector<float>(x.begin(), x.end())}, {n, K, std::vector<float>(t.begin(), t.end())}};
}

/// Reads the cases of a parsed file: {"datasets": {...}, "cases": [...]}, each case's rows its
/// data set's. (pytorch_parity tells a file of these cases by a field "batches", which no
/// other kind has.)
inline std::vector<training_case> parse_cases(const nlohmann::json& j, const std::string& file = "") {
    const std::string prefix = detail::cat(file, file.empty() ? "" : ": ");
    if (!j.is_object() || !j.contains("datasets") || !j.at("datasets").is_object())
        throw input_error(detail::cat(prefix, "expected an object with a field 'datasets' (an object)"));
    std::map<std::string, std::shared_ptr<const stored_rows>> datasets;
    for (const auto& [name, d] : j.at("datasets").items())
        datasets[name] = std::make_shared<const stored_rows>(read_rows(d, detail::cat(prefix, "dataset '", name, "'")));
    return detail::parse_file(j, file, [&](const nlohmann::json& cj, std::size_t index, const std::string& f) {
        training_case c;
        const detail::case_reader r = detail::open_case(cj, index, f, c.name);
        const std::string dataset = r.string("dataset"), loss = r.string("loss");
        const auto it = datasets.find(dataset);
        if (it == datasets.end())
            r.fail("dataset", detail::cat("no data set '", dataset, "' in the file's datasets"));
        c.data = it->second;
        if (loss == "cross_entropy" && dataset == "digits")
            c.run = run_kind::digits_two_layer;
        else if (loss == "mse_loss" || loss == "binary_cross_entropy")
            c.run = dataset == "breast_cancer" ? (loss == "mse_loss" ? run_kind::breast_cancer_mse : run_kind::breast_cancer_bce)
                    : dataset == "digits"      ? (loss == "mse_loss" ? run_kind::digits_mse : run_kind::digits_bce)
                                               : (r.fail("dataset", "unknown (breast_cancer or digits)"), run_kind{});
        else
            r.fail("loss", "unknown (mse_loss, binary_cross_entropy, or cross_entropy on digits)");
        for (const char* field : {"batch", "lr", "momentum"})
            if (!r.require(field).is_number())
                r.fail(field, "must be a number");
        c.fields = cj;
        const nlohmann::json& batches = r.require("batches");
        if (!batches.is_array())
            r.fail("batches", "must be an array of arrays of row indices");
        for (const auto& b : batches) {
            if (!b.is_array() || !std::all_of(b.begin(), b.end(), [&](const nlohmann::json& e) {
                    return e.is_number_unsigned() && e.get<std::uint64_t>() < c.data->x.rows;
                }))
                r.fail("batches", detail::cat("every batch must be an array of row indices below ",
                                              std::to_string(c.data->x.rows)));
            c.batches.push_back(b.get<std::vector<std::size_t>>());
        }
        // The model's parameters, initial and final, by its names (their sizes: the model's).
        with_run(c.run, [&]<class Model, training::loss_kind L>(std::type_identity<Model>,
                                                                  std::integral_constant<training::loss_kind, L>) {
            std::size_t i = 0;
            std::apply(
                [&](auto... v) {
                    (
                        [&](const std::string& name, std::size_t size) {
                            (void)r.numbers(detail::cat(name, "0").c_str(), size, dtype::float32, "its size");
                            if (r.present(detail::cat(name, "_final").c_str()))
                                (void)r.numbers(detail::cat(name, "_final").c_str(), size, dtype::float32, "its size");
                            ++i;
                        }(std::string(training::name_of(v)), training::sgd_stepper<Model, L>::sizes[i]),
                        ...);
                },
                Model::parameters);
        });
        if (r.present("losses"))
            c.losses = r.numbers("losses", c.batches.size(), dtype::float32, "one per batch");
        return c;
    });
}

}  // namespace parity::training_runs
