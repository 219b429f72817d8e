// A user's own names beside `using namespace ctgrad;` (glossary.md, "Names you may also use").
// This file compiling is most of the test:
//  - a program named `step` in the global namespace, where the using-directive also puts
//    ctgrad's names: it compiles because relu's derivative is `heaviside`, not `step`;
//  - variables named `value` and `name` (ctgrad has functions of both names) in the user's own
//    namespace and in a function: their declarations hide ctgrad's there. (In the global
//    namespace they are ambiguous: tests/compile_fail/name_collision_global_value.cpp.)

#include <catch2/catch.hpp>
#include <string_view>
#include <vector>

#include <ctgrad/ctgrad.hpp>

using namespace ctgrad;

constexpr axis<"n", 3> n;
constexpr axis<"k", 1> k;
constexpr auto x = input<"x">(batch, n);
constexpr auto w = parameter<"w">(k, n);
constexpr auto loss = mse_loss(ones(1, 1), sigmoid(matmul(x, transpose(w))));

const auto step = value_and_grad(loss, wrt(w));  // the tutorial's name for a program

namespace app {
const auto value = ctgrad::value(loss);  // the loss alone, named as a user would
constexpr std::string_view name = "app";

float loss_of(const std::vector<float>& xs, const std::vector<float>& ws) {
    return value(bind(x, xs), bind(w, ws));  // app::value: no ambiguity with ctgrad::value
}
}  // namespace app

TEST_CASE("a user's step, value and name beside using namespace ctgrad", "[names]") {
    const std::vector<float> xs = {1, 2, 3}, ws = {0.1f, -0.2f, 0.3f};
    std::vector<float> dw(3);
    auto [L, grad_w] = step(bind(x, xs), bind(w, ws), dw);  // ::step, the program above
    CHECK(L > 0);
    CHECK(app::loss_of(xs, ws) == Approx(L));  // the same loss through app::value
    CHECK(app::name == "app");

    const std::string_view name = "local";  // a local variable hides ctgrad::name
    CHECK(name.size() == 5);
    // heaviside, relu's derivative under its PyTorch name, still there.
    CHECK(std::string_view(to_text(heaviside(x))) == "heaviside(x)");
}
