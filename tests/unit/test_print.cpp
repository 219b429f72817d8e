// Printing derivatives: the lecture's two closed forms, and others, pinned as compile-time
// strings. The strings are printed from the very types the fused kernel evaluates.

#include <catch2/catch.hpp>
#include <ctgrad/ctgrad.hpp>

namespace {
using namespace ctgrad;

namespace single {  // the lecture's first derivation: one output
constexpr axis<"j", 10> j;
constexpr axis<"k", 1> k;
constexpr auto x = input<"x">(batch, j);
constexpr auto t = input<"t">(batch, k);
constexpr auto w = parameter<"w">(k, j);
constexpr auto o = sigmoid(matmul(x, transpose(w)));
constexpr auto O = name<"O">(o);
constexpr auto E = 0.5_c * sum(pow<2>(o - t));
static_assert(derivative_text<"E">(E, w, O) == "dE/dw_j = (O - t) O (1 - O) x_j");
static_assert(derivative_latex<"E">(E, w, O) ==
              "\\frac{\\partial E}{\\partial w_j} = \\left(O - t\\right) O \\left(1 - O\\right) x_j");
static_assert(to_text(E) == "1/2 sum((sigmoid(x @ w^T) - t)^2)");
static_assert(to_text(E, O) == "1/2 sum((O - t)^2)");
static_assert(to_latex(E, O) == "\\frac{1}{2} \\sum\\left(\\left(O - t\\right)^{2}\\right)");
}  // namespace single

namespace multi {  // the lecture's second derivation: K outputs
constexpr axis<"j", 10> j;
constexpr axis<"k", 2> k;
constexpr auto x = input<"x">(batch, j);
constexpr auto t = input<"t">(batch, k);
constexpr auto w = parameter<"w">(k, j);
constexpr auto b = parameter<"b">(k);
constexpr auto o = sigmoid(matmul(x, transpose(w)));
constexpr auto O = name<"O">(o);
constexpr auto E = 0.5_c * sum(pow<2>(o - t));
static_assert(derivative_text<"E">(E, w, O) == "dE/dw_kj = (O_k - t_k) O_k (1 - O_k) x_j");
static_assert(derivative_latex<"E">(E, w, O) ==
              "\\frac{\\partial E}{\\partial w_{kj}} = \\left(O_k - t_k\\right) O_k \\left(1 - O_k\\right) x_j");
// Without a name, O is spelled out; the arrays form shows the matrix product.
static_assert(to_text(grad(E, w)) == "((sigmoid(x @ w^T) - t) sigmoid(x @ w^T) (1 - sigmoid(x @ w^T)))^T @ x");
// With respect to the input: a sum over the outputs.
static_assert(derivative_text<"E">(E, x, O) == "dE/dx_j = sum_k (O_k - t_k) O_k (1 - O_k) w_kj");
// With a bias, with respect to the bias.
constexpr auto ob = sigmoid(matmul(x, transpose(w)) + b);
constexpr auto Ob = name<"O">(ob);
constexpr auto Eb = 0.5_c * sum(pow<2>(ob - t));
static_assert(derivative_text<"E">(Eb, b, Ob) == "dE/db_k = (O_k - t_k) O_k (1 - O_k)");
static_assert(to_text(ob) == "sigmoid(x @ w^T + b)");
static_assert(to_text(per_sample(ob)) == "sigmoid(sum_j x_j w_kj + b_k)");
// F.mse_loss(torch.ones(1, 1), o): the mean brings 1/(B·K), the square 2, the swapped order -1.
constexpr auto L = mse_loss(ones(1, 1), o);
static_assert(to_text(L, O) == "mean((1 - O)^2)");
static_assert(derivative_text<"L">(L, w, O) == "dL/dw_kj = -2 (1/(B*2)) (1 - O_k) O_k (1 - O_k) x_j");
// A different activation: softplus written by hand, log(1 + e^z); its derivative reuses e^z.
constexpr auto z = name<"z">(matmul(x, transpose(w)));
constexpr auto S = 0.5_c * sum(pow<2>(log(1_c + exp(matmul(x, transpose(w)))) - t));
static_assert(derivative_text<"S">(S, w, z) == "dS/dw_kj = (log(1 + exp(z_k)) - t_k) (1/(1 + exp(z_k))) exp(z_k) x_j");
// A sum of two losses: the terms' gradients share x and are gathered into one product.
constexpr auto two = E + mse_loss(o, t);
static_assert(derivative_text<"E">(two, w, O) ==
              "dE/dw_kj = ((O_k - t_k) O_k (1 - O_k) + 2 (1/(B*2)) (O_k - t_k) O_k (1 - O_k)) x_j");
}  // namespace multi

}  // namespace

TEST_CASE("printed derivations are compile-time strings", "[print][static]") {
    using namespace multi;
    constexpr auto text = derivative_text<"E">(E, w, O);
    STATIC_REQUIRE(text.size() == std::string_view("dE/dw_kj = (O_k - t_k) O_k (1 - O_k) x_j").size());
    CHECK(std::string(text.c_str()) == "dE/dw_kj = (O_k - t_k) O_k (1 - O_k) x_j");
}
