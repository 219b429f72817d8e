// pytorch_parity on printing cases (tests/data/torch_format_cases.json): format_tensor's strings
// (examples/support/torch_format.hpp) against what PyTorch 1.13 printed, character for character
// (pytorch_parity_torch_format.hpp).

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "../pytorch_parity_torch_format.hpp"
#include "run_cases.hpp"
#include "tool.hpp"

namespace parity::torch_format {

/// A printing case's result as plain mode prints it.
nlohmann::ordered_json to_json(const format_case& c, const results& r) {
    return {{"name", c.name}, {"printed", r.printed}};
}

/// What --check says of a case without PyTorch's string; nullopt when it has it.
std::optional<std::string> missing_result(const format_case& c) {
    if (c.expected)
        return std::nullopt;
    return "field 'expected': missing (--check needs PyTorch's string)";
}

}  // namespace parity::torch_format

namespace parity::tool {

int run_torch_format_cases(const options& opt, const nlohmann::json& file) {
    return run_in_own_dtype(opt, "printing", torch_format::parse_cases(file, opt.path),
                            [](const torch_format::format_case& c) { return torch_format::evaluate(c); });
}

}  // namespace parity::tool
