// pytorch_parity on perceptron cases (tests/data/perceptron_cases.json, perceptron_more_cases.json,
// empty_batch_cases.json, nonfinite_cases.json): the 22 programs of pytorch_parity_cases.hpp.

#include <nlohmann/json.hpp>

#include "../pytorch_parity_cases.hpp"
#include "run_cases.hpp"
#include "tool.hpp"

namespace parity {

/// A perceptron case's results as plain mode prints them (grad_b null without a bias).
nlohmann::ordered_json to_json(const perceptron_case& c, const results& r) {
    return {{"name", c.name},
            {"loss_value", tool::encode(r.loss_value)},
            {"grad_w", tool::encode(r.grad_w)},
            {"grad_b", c.bias ? tool::encode(r.grad_b) : nlohmann::ordered_json(nullptr)},
            {"grad_x", tool::encode(r.grad_x)}};
}

}  // namespace parity

namespace parity::tool {

int run_perceptron_cases(const options& opt, const nlohmann::json& file) {
    return run(opt, parse_cases(file, opt.path), [](const perceptron_case& c, dtype precision) {
        return parity::evaluate(c, precision);
    });
}

}  // namespace parity::tool
