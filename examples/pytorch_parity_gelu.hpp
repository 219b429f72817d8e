#pragma once
// Golden GELU cases computed by PyTorch (tests/data/gelu_cases.json, made by
// tests/tools/make_gelu_cases.py; format in tests/data/README.md, "GELU cases"): reading them
// for examples/pytorch_parity/ (layers.cpp), which evaluates and compares them as layer cases
// (pytorch_parity_layers.hpp): a GELU case is a layer_case with act gelu, the tanh
// approximation (F.gelu(a, approximate='tanh')):
//   model "mse":            one layer, o = gelu(x·W1ᵀ + b1), F.mse_loss(o, t)       (H = K)
//   model "cross_entropy":  two layers, z = gelu(x·W1ᵀ + b1)·W2ᵀ + b2, F.cross_entropy(z, y)
// Two compiled models (`model_keys`), in float and double, by value_and_grad only. They are
// here, not in the layers' table, so that tests/unit/test_layer_parity.cpp does not compile
// them (tests/unit/test_gelu.cpp checks GELU against these cases, and the reference evaluator).
// Comparison: the layer cases' rule, with condition scales for gelu (layers::activate) and for
// the MSE of the activation (layers::loss_head).

#include <array>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pytorch_parity_layers.hpp"

namespace parity::gelu {

/// The two models of the file, by `model`: "mse" and "cross_entropy".
inline constexpr std::array<layers::model_key, 2> model_keys{
    {{1, layers::act_kind::gelu, layers::loss_kind::mse_act}, {2, layers::act_kind::gelu, layers::loss_kind::cross_entropy}}};

/// A case of gelu_cases.json, as a layer case. (The layer cases' compare, reference_of and
/// the tool's output take it as one; `evaluate` and `missing_result` are its own.)
struct gelu_case : layers::layer_case {};

/// Evaluates case `c` by value_and_grad in precision `precision` with its model's program.
inline layers::results evaluate(const gelu_case& c, dtype precision) {
    static constexpr auto programs = []<std::size_t... I>(std::index_sequence<I...>) {
        return std::array<layers::runner, sizeof...(I)>{&layers::run<layers::method::value_and_grad, model_keys, I>...};
    }
    (std::make_index_sequence<model_keys.size()>{});
    return programs.at(c.model)(c, precision);
}

/// What --check says of a case without every reference field (the loss value is "loss" here).
inline std::optional<std::string> missing_result(const gelu_case& c) {
    if (!c.loss_value)
        return std::string("field 'loss': missing (--check needs loss, grad_w1, grad_b1, grad_x and, for "
                           "cross_entropy, grad_w2 and grad_b2)");
    return layers::missing_result(c);
}

/// Reads case number `index` (0-based) of a file called `file` (for messages).
inline gelu_case parse_case(const nlohmann::json& j, std::size_t index, const std::string& file = "") {
    gelu_case c;
    const detail::case_reader r = detail::open_case(j, index, file, c.name);
    c.type = detail::dtype_of(r);
    c.model = r.choice("model", std::array{"mse", "cross_entropy"});
    c.layers = model_keys[c.model].layers;
    c.act = model_keys[c.model].act;
    c.loss = model_keys[c.model].loss;
    c.B = r.extent("B");
    c.N = r.extent("N");
    const std::size_t H = r.extent("H");
    c.K = r.extent("K");
    if (c.layers == 2)
        c.H = H;
    else if (H != c.K)  // one layer: its H units are the K outputs
        r.fail("H", detail::cat("must equal K (", std::to_string(c.K), ") for model 'mse', found ", std::to_string(H)));
    layers::read_data(r, c, "loss");
    return c;
}

/// Reads the cases of a parsed file: {"cases": [...]}. (pytorch_parity tells a file of GELU
/// cases by a field "model" without a field "out".)
inline std::vector<gelu_case> parse_cases(const nlohmann::json& j, const std::string& file = "") {
    return detail::parse_file(j, file, parse_case);
}

}  // namespace parity::gelu
