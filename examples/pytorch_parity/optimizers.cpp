// pytorch_parity on optimizer cases (tests/data/optimizer_cases.json): ctgrad::optim's SGD, Adam
// and AdamW replayed over 100 steps from the generated gradients and compared with torch.optim
// (pytorch_parity_optimizers.hpp has the replay and the rule).

#include <nlohmann/json.hpp>

#include "../pytorch_parity_optimizers.hpp"
#include "run_cases.hpp"
#include "tool.hpp"

namespace parity::optimizers {

/// Per-parameter sampled values as plain mode prints them: {"KEY": [[...], ...], ...}.
nlohmann::ordered_json encode(const std::map<std::string, sampled>& m) {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    for (const auto& [key, per_param] : m) {
        nlohmann::ordered_json a = nlohmann::ordered_json::array();
        for (const auto& v : per_param)
            a.push_back(tool::encode(v));
        j[key] = a;
    }
    return j;
}

/// An optimizer case's results as plain mode prints them: the parameters after steps 1, 10 and
/// 100 and the state after step 100, at the case's sample indices, as the file stores torch's.
nlohmann::ordered_json to_json(const optimizer_case& c, const results& r) {
    return {{"name", c.name}, {"params", encode(r.params)}, {"state", encode(r.state)}, {"steps", r.steps}};
}

}  // namespace parity::optimizers

namespace parity::tool {

int run_optimizer_cases(const options& opt, const nlohmann::json& file) {
    return run_in_own_dtype(opt, "optimizer", optimizers::parse_cases(file, opt.path),
                            [](const optimizers::optimizer_case& c) { return optimizers::evaluate(c); });
}

}  // namespace parity::tool
