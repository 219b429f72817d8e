// pytorch_parity on elementwise cases (tests/data/elementwise_cases.json): abs, maximum, minimum,
// clamp and the L1, Huber and smooth L1 losses, directly and in models: reading, the loops, the
// JSON output, compared by the unit tests' normwise rule (pytorch_parity_elementwise.hpp). The 25
// programs in float and double are in the library ctgrad_parity_programs (programs/).

#include <nlohmann/json.hpp>

#include "../pytorch_parity_elementwise.hpp"
#include "programs/elementwise_programs.hpp"
#include "run_cases.hpp"
#include "tool.hpp"

namespace parity::elementwise {

/// An elementwise case's results as plain mode prints them: the loss and the model's gradients
/// under the file's names (grad_a, grad_b; grad_w, grad_b, grad_x; grad_w1, grad_b1, grad_w2, grad_b2).
nlohmann::ordered_json to_json(const elementwise_case& c, const results& r) {
    nlohmann::ordered_json j{{"name", c.name}, {"loss", tool::encode(r.loss)}};
    const auto names = gradient_names(c.model(), c.binary());
    for (std::size_t g = 0; g < names.size() && g < r.grads.size(); ++g)
        j[names[g]] = tool::encode(r.grads[g]);
    return j;
}

}  // namespace parity::elementwise

namespace parity::tool {

int run_elementwise_cases(const options& opt, const nlohmann::json& file) {
    const auto cases = elementwise::parse_cases(file, opt.path);
    const auto evaluate = [](const elementwise::elementwise_case& c, dtype precision) {
        return elementwise::evaluate_compiled(c, precision);
    };
    if (!opt.check)
        return print_results(opt, cases, evaluate);
    return check_verdicts(opt, cases, [&](const elementwise::elementwise_case& c) {
        const dtype precision = precision_of(opt, c);
        const elementwise::case_error e = elementwise::compare(c, evaluate(c, precision));
        return verdict{e.error, e.where, e.error <= elementwise::tolerance_of(c, precision),
                       precision == c.type ? "" : std::string(" as ") + name_of(precision)};
    });
}

}  // namespace parity::tool
