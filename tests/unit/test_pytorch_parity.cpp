// ctgrad against PyTorch 1.13 autograd on the golden perceptron cases:
//   tests/data/perceptron_cases.json       (tests/tools/make_cases.py, seed 2026)
//   tests/data/perceptron_more_cases.json  (tests/tools/make_more_cases.py, seed 2027)
// Every case is evaluated in its own precision, and again in the other one; loss, grad_w,
// grad_b and grad_x are compared with PyTorch's by the rule of examples/pytorch_parity/
// (defined in examples/pytorch_parity_cases.hpp, shared with that tool):
//   error of an element = |a - r| / max(|r|, m, floor),  m its condition scale
//   float32 (reference or computation): error <= 1e-5,  floor = FLT_MIN
//   float64 (both):                     error <= 1e-12, floor = DBL_MIN
// Where the sigmoid saturates in float32 PyTorch's gradients are exactly 0; ctgrad's must be too.

#include <catch2/catch.hpp>
#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "../../examples/pytorch_parity_cases.hpp"

namespace {

using parity::dtype;
using parity::perceptron_case;

constexpr const char* golden_files[] = {"perceptron_cases.json", "perceptron_more_cases.json"};

/// The cases of a file of tests/data, read once (Catch2 re-runs a test case for each section).
const std::vector<perceptron_case>& cases_of(const std::string& file) {
    static std::map<std::string, std::vector<perceptron_case>> loaded;
    auto it = loaded.find(file);
    if (it == loaded.end())
        it = loaded.emplace(file, parity::load_cases(std::string(CTGRAD_TEST_DATA_DIR) + "/" + file)).first;
    return it->second;
}

dtype other(dtype d) {
    return d == dtype::float32 ? dtype::float64 : dtype::float32;
}

/// Evaluates `c` in `precision` and checks each field against PyTorch's results.
void check_against_pytorch(const perceptron_case& c, dtype precision) {
    REQUIRE(parity::has_reference(c));
    const parity::tolerance tol = parity::tolerance_for(precision, c.type);
    const parity::results ours = parity::evaluate(c, precision);
    const parity::case_error e = parity::compare(c, ours, parity::reference_of(c), tol.floor);
    INFO("case " << c.name << " (" << parity::name_of(c.type) << ", B=" << c.B << " N=" << c.N << " K=" << c.K
                 << ") computed in " << parity::name_of(precision) << "; tolerance " << tol.rtol);
    INFO("worst: " << e.where << ", error " << e.error);
    CHECK(e.loss_value.error <= tol.rtol);
    CHECK(e.grad_w.error <= tol.rtol);
    CHECK(e.grad_x.error <= tol.rtol);
    if (c.bias) {
        CHECK(e.grad_b.error <= tol.rtol);
    } else {
        CHECK(ours.grad_b.empty());
    }
    CHECK(parity::passes(e, tol));
}

}  // namespace

TEST_CASE("PyTorch golden cases, each in its own precision", "[parity]") {
    for (const char* file : golden_files) {
        const auto& cases = cases_of(file);
        REQUIRE_FALSE(cases.empty());
        for (const auto& c : cases) {
            DYNAMIC_SECTION(file << ": " << c.name) {
                check_against_pytorch(c, c.type);
            }
        }
    }
}

TEST_CASE("PyTorch golden cases, each in the other precision, to float32 tolerance", "[parity]") {
    // float32 cases in double: PyTorch's float32 results are the less accurate side.
    // float64 cases in float: the inputs are rounded to float first.
    for (const char* file : golden_files) {
        for (const auto& c : cases_of(file)) {
            DYNAMIC_SECTION(file << ": " << c.name << " as " << parity::name_of(other(c.type))) {
                REQUIRE(parity::tolerance_for(other(c.type), c.type).rtol ==
                        parity::tolerance_for(dtype::float32).rtol);
                check_against_pytorch(c, other(c.type));
            }
        }
    }
}

TEST_CASE("saturated sigmoid: exact zeros where PyTorch's float32 gradients are exactly zero", "[parity][numerics]") {
    // The golden "saturated" case and the more cases' saturated_*_f32: z up to hundreds.
    std::size_t saturated_cases = 0;
    for (const char* file : golden_files) {
        for (const auto& c : cases_of(file)) {
            if (c.type != dtype::float32 || c.name.find("saturated") == std::string::npos)
                continue;
            ++saturated_cases;
            DYNAMIC_SECTION(file << ": " << c.name) {
                const parity::results ours = parity::evaluate(c, dtype::float32);
                const parity::results ref = parity::reference_of(c);
                std::size_t zeros = 0;
                for (const auto& [field, a, r] :
                     {std::tuple{"grad_w", &ours.grad_w, &ref.grad_w}, std::tuple{"grad_b", &ours.grad_b, &ref.grad_b},
                      std::tuple{"grad_x", &ours.grad_x, &ref.grad_x}}) {
                    REQUIRE(a->size() == r->size());
                    for (std::size_t i = 0; i < r->size(); ++i) {
                        if ((*r)[i] == 0.0) {
                            INFO(c.name << ": " << field << "[" << i << "] = " << (*a)[i] << ", PyTorch: exactly 0");
                            CHECK((*a)[i] == 0.0);
                            ++zeros;
                        }
                    }
                }
                CHECK(zeros > 0);  // the case really saturates
            }
        }
    }
    CHECK(saturated_cases == 5);
}

TEST_CASE("the golden files exercise the 16 programs of mse_mean and half_sse", "[parity]") {
    // Each case runs in both precisions above, so every (loss, bias, target) of mse_mean and
    // half_sse must occur. (The other 6 programs, mse_sum, bce_mean and bce_logits_mean, are
    // CTest pytorch_parity.empty_batch_cases's: tests/data/empty_batch_cases.json.)
    std::set<std::tuple<parity::loss_kind, bool, parity::target_kind>> variants;
    std::set<std::string> names;
    for (const char* file : golden_files) {
        for (const auto& c : cases_of(file)) {
            variants.emplace(c.loss, c.bias, c.target);
            CHECK(names.insert(std::string(file) + "/" + c.name).second);  // names are unique
        }
    }
    CHECK(variants.size() == 8);
}

TEST_CASE("bad case files are errors naming the case and the field", "[parity]") {
    const nlohmann::json good = nlohmann::json::parse(R"({"cases": [
        {"name": "c0", "dtype": "float32", "B": 2, "N": 3, "K": 1, "loss": "half_sse", "bias": true,
         "target": "given", "x": [1, 2, 3, 4, 5, 6], "w": [0.1, 0.2, 0.3], "b": [0.5], "t": [0.25, 0.75]}]})");
    REQUIRE_NOTHROW(parity::parse_cases(good));
    const auto cases = parity::parse_cases(good);
    const auto& c = cases.at(0);
    CHECK_FALSE(parity::has_reference(c));  // results are optional
    CHECK(parity::evaluate(c).grad_w.size() == 3);

    auto message_of = [&](auto&& edit) -> std::string {
        nlohmann::json j = good;
        edit(j["cases"][0]);
        try {
            parity::parse_cases(j, "file.json");
        } catch (const parity::input_error& e) {
            return e.what();
        }
        return "no error";
    };
    using Catch::Matchers::Contains;
    CHECK_THAT(message_of([](auto& c) { c.erase("x"); }),
               Contains("case #0 'c0'") && Contains("'x'") && Contains("missing"));
    CHECK_THAT(message_of([](auto& c) { c["x"].push_back(7); }),
               Contains("'c0'") && Contains("'x'") && Contains("has 7 elements") && Contains("needs 6"));
    CHECK_THAT(message_of([](auto& c) { c["w"][1] = "0.2"; }), Contains("'w'") && Contains("element 1"));
    CHECK_THAT(message_of([](auto& c) { c["loss"] = "bce"; }), Contains("'loss'") && Contains("unknown loss 'bce'"));
    CHECK_THAT(message_of([](auto& c) { c["dtype"] = "float16"; }), Contains("'dtype'") && Contains("float16"));
    CHECK_THAT(message_of([](auto& c) { c["target"] = "zeros"; }), Contains("'target'") && Contains("zeros"));
    CHECK_THAT(message_of([](auto& c) { c["B"] = -1; }), Contains("'B'") && Contains("non-negative integer"));
    CHECK_THAT(message_of([](auto& c) { c["B"] = 0u; }), Contains("'x'") && Contains("needs 0"));  // B = 0 is legal
    CHECK_THAT(message_of([](auto& c) { c["N"] = -3; }), Contains("'N'") && Contains("positive integer"));
    CHECK_THAT(message_of([](auto& c) { c["K"] = 1.5; }), Contains("'K'") && Contains("positive integer"));
    CHECK_THAT(message_of([](auto& c) { c["bias"] = "yes"; }), Contains("'bias'"));
    CHECK_THAT(message_of([](auto& c) { c.erase("b"); }), Contains("'b'") && Contains("missing"));
    CHECK_THAT(message_of([](auto& c) { c["target"] = "ones"; }), Contains("'t'") && Contains("must be null"));
    CHECK_THAT(message_of([](auto& c) { c["x"][0] = 1e300; }), Contains("'x'") && Contains("overflows float32"));
    CHECK_THAT(message_of([](auto& c) { c["grad_w"] = {1, 2}; }), Contains("'grad_w'") && Contains("has 2 elements"));
    CHECK_THAT(message_of([](auto& c) { c["loss_value"] = "NaN"; }),
               Contains("'loss_value'") && Contains("must be a number"));  // "nan", "inf", "-inf" are numbers
    CHECK_THAT(message_of([](auto& c) {
                   c["bias"] = false;
                   c["b"] = nullptr;
                   c["loss"] = "bce_mean";
               }),
               Contains("'loss'") && Contains("needs a bias and a given target"));
    CHECK_THAT(message_of([](auto& c) { c.erase("name"); }), Contains("case #0") && Contains("'name'"));
    CHECK_THROWS_AS(parity::parse_cases(nlohmann::json::array()), parity::input_error);
    CHECK_THROWS_WITH(parity::load_cases(CTGRAD_TEST_DATA_DIR "/no_such_file.json"), Contains("cannot open"));
}
