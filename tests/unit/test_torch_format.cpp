// ctgrad::io::format_tensor against strings printed by PyTorch 1.13 itself.
// The cases are in tests/data/torch_format_cases.json, made by tests/tools/make_format_cases.py,
// read by examples/pytorch_parity_torch_format.hpp (shared with pytorch_parity, which checks
// the same file).

#include <array>
#include <catch2/catch.hpp>
#include <cstddef>
#include "torch_format.hpp"  // the examples' support: PyTorch 1.13's tensor printing
#include <fstream>
#include <nlohmann/json.hpp>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "../../examples/pytorch_parity_torch_format.hpp"

namespace {

using ctgrad::io::format_shape;
using ctgrad::io::format_tensor;

namespace pf = parity::torch_format;  // the cases, shared with pytorch_parity

std::vector<pf::format_case> load_cases() {
    std::ifstream in(CTGRAD_TEST_DATA_DIR "/torch_format_cases.json");
    REQUIRE(in);
    return pf::parse_cases(nlohmann::json::parse(in), "torch_format_cases.json");
}

}  // namespace

TEST_CASE("format_tensor prints what PyTorch 1.13 prints", "[io][torch_format]") {
    const auto cases = load_cases();
    REQUIRE(cases.size() >= 12);
    for (const auto& c : cases) {
        INFO("case: " << c.name << " (" << parity::name_of(c.type) << ")");
        REQUIRE(c.expected);
        CHECK(pf::evaluate(c).printed == *c.expected);
    }
}

TEST_CASE("format_tensor: the lecture's tensors, as PyTorch prints them", "[io][torch_format]") {
    // The lecture's slides lost the spaces that align the columns; PyTorch prints them.
    const std::vector<float> grad_1{-0.0107f, -0.0021f, 0.0047f,  0.0092f,  -0.0091f,
                                    -0.0030f, 0.0069f,  -0.0105f, -0.0061f, -0.0051f};
    CHECK(format_tensor(grad_1, {1, 10}) ==
          "tensor([[-0.0107, -0.0021,  0.0047,  0.0092, -0.0091, -0.0030,  0.0069, -0.0105,\n"
          "         -0.0061, -0.0051]])");
    CHECK(format_tensor(0.2443f, {.suffixes = {"grad_fn=<MeanBackward1>"}}) ==
          "tensor(0.2443, grad_fn=<MeanBackward1>)");
    CHECK(format_tensor(0.2443f, {.suffixes = {", grad_fn=<MeanBackward1>"}}) ==
          "tensor(0.2443, grad_fn=<MeanBackward1>)");
}

TEST_CASE("format_tensor: every overload gives the same string", "[io][torch_format]") {
    const std::vector<double> v{1.5, -2.25, 0.125, 4.0};
    const std::string want = "tensor([[ 1.5000, -2.2500],\n        [ 0.1250,  4.0000]])";
    const std::array<std::size_t, 2> shape{2, 2};
    CHECK(format_tensor(std::span<const double>(v), shape) == want);  // span<const T>, std::array
    CHECK(format_tensor<double, 2>(v, {2, 2}) == want);               // explicit T, R
    CHECK(format_tensor(v, {2, 2}) == want);                          // any range, shape in place
    CHECK(format_tensor(v, shape) == want);                           // any range, std::array
    CHECK(format_tensor(v, std::vector<std::size_t>{2, 2}) == want);  // run-time shape
    CHECK(format_tensor(std::span<const double>(v), {2, 2}) == want);
    std::vector<double> mutable_values = v;
    CHECK(format_tensor(std::span<double>(mutable_values), {2, 2}) == want);  // span<T>, as ctgrad returns
    CHECK(format_tensor(std::span<const double>(v).first(1), std::array<std::size_t, 0>{}) == "tensor(1.5000)");
    CHECK(format_tensor(1.5) == "tensor(1.5000)");
}

TEST_CASE("format_tensor rejects a shape that does not match the values", "[io][torch_format]") {
    const std::vector<float> v(6, 1.0f);
    CHECK_THROWS_AS(format_tensor(v, {2, 2}), std::invalid_argument);
    CHECK_NOTHROW(format_tensor(v, {2, 3}));
}

TEST_CASE("format_shape prints torch.Size", "[io][torch_format]") {
    CHECK(format_shape({1, 2}) == "torch.Size([1, 2])");
    CHECK(format_shape({7}) == "torch.Size([7])");
    CHECK(format_shape(std::array<std::size_t, 0>{}) == "torch.Size([])");
    CHECK(format_shape(std::array<std::size_t, 2>{64, 20}) == "torch.Size([64, 20])");
    CHECK(format_shape(std::vector<std::size_t>{1, 1}) == "torch.Size([1, 1])");
}
