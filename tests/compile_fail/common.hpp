// The lecture's perceptron, shared by the compile-fail cases (each case misuses it once).
#include <ctgrad/ctgrad.hpp>
#include <vector>

using namespace ctgrad;
constexpr axis<"n", 10> n;
constexpr axis<"k", 2> k;
constexpr auto x = input<"x">(batch, n);
constexpr auto t = input<"t">(batch, k);
constexpr auto w = parameter<"w">(k, n);
constexpr auto o = sigmoid(matmul(x, transpose(w)));
constexpr auto E = 0.5_c * sum(pow<2>(o - t));
