// EXPECT: the_variable_named<'b'>
// The message names the variable left unbound (here the bias of a perceptron with a bias).
#include "common.hpp"
constexpr auto b = parameter<"b">(k);
constexpr auto E2 = 0.5_c * sum(pow<2>(sigmoid(matmul(x, transpose(w)) + b) - t));
int main() {
    std::vector<float> xs(10), ws(20), ts(2), dw(20);
    (void)value_and_grad(E2, wrt(w))(bind(x, xs), bind(w, ws), bind(t, ts), dw);  // b is not bound
}
