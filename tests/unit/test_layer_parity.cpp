// ctgrad against PyTorch 1.13 autograd on layered models: tests/data/layer_cases.json, made by
// tests/tools/make_layer_cases.py (seed 2028; format in tests/data/README.md, "Layer cases"):
//   two layers  h = act(x·W1ᵀ + b1), o = σ(h·W2ᵀ + b2), act sigmoid, tanh, relu or softplus,
//               loss mse_mean, half_sse or bce; and bce_logits on z = h·W2ᵀ + b2;
//   cross_entropy(z, y) for one layer z = x·wᵀ + b and for two (act relu or tanh).
// Every case is checked in its own precision and in the other one, twice: with the results of
// the reference evaluator (reference::evaluate of the loss and of each grad(E, v), in double on
// the inputs rounded to the precision) and with those of value_and_grad (the fused lowering).
// Loss value and every gradient are compared with PyTorch's by the rule of
// examples/pytorch_parity_cases.hpp (parity::compare_values, parity::tolerance_for):
//   error of an element = |a − r| / max(|r|, m, floor),  m its condition scale
//   float32 (computation or PyTorch's data): error <= 1e-5,  floor FLT_MIN
//   float64 (both):                          error <= 1e-12, floor DBL_MIN
// with m computed for the layered models (parity::layers::condition_scales).
//
// The models, the programs, reading, condition scales and comparison are in
// examples/pytorch_parity_layers.hpp, shared with the tool examples/pytorch_parity; each
// (layers, act, loss) is one compiled model (19 of them, parity::layers::model_keys), the
// cases of a type share its program and differ only in their data. The value_and_grad programs
// are the tool's, compiled once in the library ctgrad_parity_programs
// (examples/pytorch_parity/programs/layer_programs.hpp); the reference evaluator's are this file's.

#include <catch2/catch.hpp>
#include <cstddef>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "../../examples/pytorch_parity/programs/layer_programs.hpp"
#include "../../examples/pytorch_parity_layers.hpp"

namespace {

using parity::dtype;
using parity::layers::act_kind;
using parity::layers::act_names;
using parity::layers::layer_case;
using parity::layers::loss_kind;
using parity::layers::loss_names;
using parity::layers::method;
using parity::layers::results;

/// The cases, read once (Catch2 re-runs a test case for each section).
const std::vector<layer_case>& cases() {
    static const std::vector<layer_case> loaded = parity::layers::load_cases(CTGRAD_TEST_DATA_DIR "/layer_cases.json");
    return loaded;
}

/// The worst error seen, per path and tolerance ("reference float32"), for the report test.
std::map<std::string, std::pair<double, std::string>>& worst_errors() {
    static std::map<std::string, std::pair<double, std::string>> worst;
    return worst;
}

/// Checks one result set of case `c`, computed in `precision` by `path`, against PyTorch's.
void check_against_pytorch(const layer_case& c, const results& ours, dtype precision, const char* path) {
    using parity::layers::field_names;
    REQUIRE(parity::layers::has_reference(c));
    const results pytorch = parity::layers::reference_of(c);
    const parity::tolerance tol = parity::tolerance_for(precision, c.type);
    const parity::layers::case_error e = parity::layers::compare(c, ours, pytorch, tol.floor);
    INFO("case " << c.name << " (" << parity::name_of(c.type) << ", " << c.layers << " layer(s), act "
                 << act_names[static_cast<std::size_t>(c.act)] << ", loss "
                 << loss_names[static_cast<std::size_t>(c.loss)] << ", B=" << c.B << " N=" << c.N << " H=" << c.H
                 << " K=" << c.K << ") by " << path << " in " << parity::name_of(precision) << "; tolerance "
                 << tol.rtol);
    INFO("worst: " << e.where << ", error " << e.error);
    for (std::size_t f = 0; f < field_names.size(); ++f)
        CHECK(ours.grad[f].size() == pytorch.grad[f].size());
    CHECK(e.error <= tol.rtol);
    auto& worst = worst_errors()[std::string(path) + " " + (tol.rtol < 1e-6 ? "float64" : "float32")];
    if (!(e.error <= worst.first))
        worst = {e.error, c.name + " as " + parity::name_of(precision) + ", " + e.where};
}

dtype other(dtype d) {
    return d == dtype::float32 ? dtype::float64 : dtype::float32;
}

/// The results of case `c` in `precision` by `path`: the reference evaluator, or value_and_grad
/// (the library's compiled programs).
results results_by(method path, const layer_case& c, dtype precision) {
    if (path == method::reference)
        return parity::layers::evaluate<method::reference>(c, precision);
    return parity::layers::evaluate_compiled(c, precision);
}

/// Checks every case, each in its own precision or each in the other one, computed by `path`.
void check_all(method path, const char* path_name, bool own_precision) {
    REQUIRE(cases().size() == 58);
    for (const auto& c : cases()) {
        const dtype precision = own_precision ? c.type : other(c.type);
        DYNAMIC_SECTION(c.name << " as " << parity::name_of(precision)) {
            check_against_pytorch(c, results_by(path, c, precision), precision, path_name);
        }
    }
}

}  // namespace

TEST_CASE("layer golden cases: the reference evaluator, each case in its own precision", "[parity][layers]") {
    check_all(method::reference, "reference", true);
}

TEST_CASE("layer golden cases: the reference evaluator, each case in the other precision", "[parity][layers]") {
    check_all(method::reference, "reference", false);
}

TEST_CASE("layer golden cases: value_and_grad, each case in its own precision", "[parity][layers]") {
    check_all(method::value_and_grad, "value_and_grad", true);
}

TEST_CASE("layer golden cases: value_and_grad, each case in the other precision", "[parity][layers]") {
    check_all(method::value_and_grad, "value_and_grad", false);
}

TEST_CASE("the layer cases exercise every model type in both precisions, relu at 0, saturation, tiles",
          "[parity][layers]") {
    std::set<std::tuple<int, act_kind, loss_kind, dtype>> seen;
    std::set<std::string> names;
    std::size_t relu_zero = 0, saturated = 0, tall = 0;
    for (const auto& c : cases()) {
        seen.emplace(c.layers, c.act, c.loss, c.type);
        CHECK(names.insert(c.name).second);
        relu_zero += c.name.starts_with("relu_zero");
        saturated += c.name.starts_with("saturated") && c.type == dtype::float32;
        tall += c.B > 128;
        CHECK(c.model < parity::layers::model_keys.size());
    }
    CHECK(seen.size() == 2 * parity::layers::model_keys.size());  // every program, in both precisions
    CHECK(relu_zero == 4);
    CHECK(saturated == 5);
    CHECK(tall == 2);
}

TEST_CASE("layer golden cases: worst errors, printed", "[.][layers_report]") {
    // Not run by default: `ctgrad_tests "[layers_report]"` prints the worst error of each path
    // and precision over all cases (own and other precision).
    worst_errors().clear();
    for (const auto& c : cases()) {
        for (const dtype precision : {c.type, other(c.type)}) {
            check_against_pytorch(c, results_by(method::reference, c, precision), precision, "reference");
            check_against_pytorch(c, results_by(method::value_and_grad, c, precision), precision,
                                  "value_and_grad");
        }
    }
    for (const auto& [key, w] : worst_errors())
        std::cout << "worst error, " << key << ": " << w.first << " (" << w.second << ")\n";
}

TEST_CASE("bad layer case files are errors naming the case and the field", "[parity][layers]") {
    const nlohmann::json good = nlohmann::json::parse(R"({"cases": [
        {"name": "c0", "dtype": "float32", "layers": 2, "B": 2, "N": 2, "H": 1, "K": 2, "act": "tanh",
         "loss": "cross_entropy", "x": [1, 2, 3, 4], "w1": [0.1, 0.2], "b1": [0.5], "w2": [0.3, -0.3],
         "b2": [0, 1], "t": null, "y": [1, 0]}]})");
    REQUIRE(parity::layers::is_layer_file(good));
    const auto parsed = parity::layers::parse_cases(good);
    const layer_case& c = parsed.at(0);
    CHECK_FALSE(parity::layers::has_reference(c));  // results are optional
    CHECK(parity::layers::evaluate_compiled(c, dtype::float32).grad[parity::layers::f_w2].size() == 2);

    auto message_of = [&](auto&& edit) -> std::string {
        nlohmann::json j = good;
        edit(j["cases"][0]);
        try {
            parity::layers::parse_cases(j, "file.json");
        } catch (const parity::input_error& e) {
            return e.what();
        }
        return "no error";
    };
    using Catch::Matchers::Contains;
    CHECK_THAT(message_of([](auto& c) { c.erase("w1"); }),
               Contains("file.json: case #0 'c0'") && Contains("'w1'") && Contains("missing"));
    CHECK_THAT(message_of([](auto& c) { c["layers"] = 3u; }), Contains("'layers'") && Contains("1 or 2"));
    CHECK_THAT(message_of([](auto& c) { c["act"] = "gelu"; }), Contains("'act'") && Contains("unknown act 'gelu'"));
    CHECK_THAT(message_of([](auto& c) { c["act"] = "sigmoid"; }),
               Contains("'loss'") && Contains("no model") && Contains("'sigmoid'"));
    CHECK_THAT(message_of([](auto& c) { c["y"][1] = 2; }), Contains("'y'") && Contains("element 1"));
    CHECK_THAT(message_of([](auto& c) { c["y"][0] = 0.5; }), Contains("'y'") && Contains("class index"));
    CHECK_THAT(message_of([](auto& c) { c["t"] = {1, 2, 3, 4}; }), Contains("'t'") && Contains("must be null"));
    CHECK_THAT(message_of([](auto& c) { c["b2"] = {1}; }), Contains("'b2'") && Contains("has 1 elements"));
    CHECK_THAT(message_of([](auto& c) { c["grad_x"] = {1}; }), Contains("'grad_x'") && Contains("B*N"));
    CHECK_THAT(message_of([](auto& c) { c["layers"] = 1u; }), Contains("'H'") && Contains("for one layer"));
    CHECK_THROWS_WITH(parity::layers::load_cases(CTGRAD_TEST_DATA_DIR "/no_such_file.json"), Contains("cannot open"));
    CHECK_FALSE(parity::layers::is_layer_file(nlohmann::json::parse(R"({"cases": [{"name": "p"}]})")));
}
