// pytorch_parity on training cases (tests/data/training_cases.json): the training examples' first
// 100 SGD steps replayed with their own code from PyTorch's initial parameters and batches, and
// compared with PyTorch's losses and final parameters (pytorch_parity_training.hpp).

#include <nlohmann/json.hpp>

#include "../pytorch_parity_training.hpp"
#include "run_cases.hpp"
#include "tool.hpp"

namespace parity::training_runs {

/// A training case's results as plain mode prints them: each step's loss and the parameters
/// after the last step, under the file's names (w_final, ...), and the fields that are not the
/// example's own.
nlohmann::ordered_json to_json(const training_case& c, const results& r) {
    nlohmann::ordered_json j{{"name", c.name}, {"losses", tool::encode(r.losses)}};
    for (const auto& [name, values] : r.final_params)
        j[name] = tool::encode(values);
    j["differs_from_example"] = r.differ;
    return j;
}

}  // namespace parity::training_runs

namespace parity::tool {

int run_training_cases(const options& opt, const nlohmann::json& file) {
    return run_in_own_dtype(opt, "training", training_runs::parse_cases(file, opt.path),
                            [](const training_runs::training_case& c) { return training_runs::evaluate(c); });
}

}  // namespace parity::tool
