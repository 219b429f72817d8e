// pytorch_parity on forward cases (tests/data/forward_cases.json): value(e) and argmax of the
// five models of pytorch_parity_forward.hpp, compared with PyTorch's forward pass.

#include <nlohmann/json.hpp>

#include "../pytorch_parity_forward.hpp"
#include "run_cases.hpp"
#include "tool.hpp"

namespace parity::forward {

/// A forward case's results as plain mode prints them (argmax null for per_sample_ce).
nlohmann::ordered_json to_json(const forward_case& c, const results& r) {
    return {{"name", c.name},
            {"out", tool::encode(r.out)},
            {"argmax", c.has_argmax() ? nlohmann::ordered_json(r.argmax) : nlohmann::ordered_json(nullptr)}};
}

}  // namespace parity::forward

namespace parity::tool {

int run_forward_cases(const options& opt, const nlohmann::json& file) {
    return run(opt, forward::parse_cases(file, opt.path),
               [](const forward::forward_case& c, dtype precision) { return forward::evaluate(c, precision); });
}

}  // namespace parity::tool
