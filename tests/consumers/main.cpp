// A consumer of ctgrad: the lecture's loss and its gradient, evaluated once.
#include <ctgrad/ctgrad.hpp>
#include <cstdio>
#include <vector>

using namespace ctgrad;
constexpr axis<"n", 3> n;
constexpr axis<"k", 1> k;
constexpr auto x = input<"x">(batch, n);
constexpr auto w = parameter<"w">(k, n);
constexpr auto loss = mse_loss(ones(1, 1), sigmoid(matmul(x, transpose(w))));

int main() {
    std::vector<float> xs = {1, 2, 3}, ws = {0.1f, -0.2f, 0.3f}, dw(3);
    auto [value, grad_w] = value_and_grad(loss, wrt(w))(bind(x, xs), bind(w, ws), dw);
    std::printf("loss %.6f, dw %.6f %.6f %.6f\n", value, grad_w[0], grad_w[1], grad_w[2]);
    return value > 0 && grad_w[0] < 0 ? 0 : 1;
}
