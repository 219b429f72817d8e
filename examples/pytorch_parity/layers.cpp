// pytorch_parity on layer cases (tests/data/layer_cases.json) and GELU cases
// (tests/data/gelu_cases.json, evaluated and compared as layer cases): reading, the loops, the
// JSON output. The layer programs are in the library ctgrad_parity_programs
// (programs/layer_programs_*.cpp); the GELU cases' four here.

#include <cstddef>
#include <nlohmann/json.hpp>

#include "../pytorch_parity_gelu.hpp"
#include "programs/layer_programs.hpp"
#include "run_cases.hpp"
#include "tool.hpp"

namespace parity::layers {

/// A layer or GELU case's results as plain mode prints them (grad_w2, grad_b2 null for one layer).
nlohmann::ordered_json to_json(const layer_case& c, const results& r) {
    nlohmann::ordered_json j{{"name", c.name}, {"loss_value", tool::encode(r.loss_value)}};
    for (std::size_t f = 0; f < r.grad.size(); ++f)
        j[field_names[f]] = c.sizes()[f] != 0 ? tool::encode(r.grad[f]) : nlohmann::ordered_json(nullptr);
    return j;
}

}  // namespace parity::layers

namespace parity::tool {

int run_layer_cases(const options& opt, const nlohmann::json& file) {
    return run(opt, layers::parse_cases(file, opt.path), layers::evaluate_compiled);
}

int run_gelu_cases(const options& opt, const nlohmann::json& file) {
    return run(opt, gelu::parse_cases(file, opt.path),
               [](const gelu::gelu_case& c, dtype precision) { return gelu::evaluate(c, precision); });
}

}  // namespace parity::tool
