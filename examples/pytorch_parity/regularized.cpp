// pytorch_parity on regularized cases (tests/data/regularized_cases.json): losses with weight
// decay and L1 terms, the five programs of pytorch_parity_regularized.hpp.

#include <nlohmann/json.hpp>

#include "../pytorch_parity_regularized.hpp"
#include "run_cases.hpp"
#include "tool.hpp"

namespace parity::regularized {

/// A regularized case's results as plain mode prints them (grad_x null for params_only).
nlohmann::ordered_json to_json(const regularized_case& c, const results& r) {
    return {{"name", c.name},
            {"loss_value", tool::encode(r.loss_value)},
            {"grad_w", tool::encode(r.grad_w)},
            {"grad_b", tool::encode(r.grad_b)},
            {"grad_x", c.has_data() ? tool::encode(r.grad_x) : nlohmann::ordered_json(nullptr)}};
}

}  // namespace parity::regularized

namespace parity::tool {

int run_regularized_cases(const options& opt, const nlohmann::json& file) {
    return run(opt, regularized::parse_cases(file, opt.path), [](const regularized::regularized_case& c,
                                                                   dtype precision) {
        return regularized::evaluate(c, precision);
    });
}

}  // namespace parity::tool
