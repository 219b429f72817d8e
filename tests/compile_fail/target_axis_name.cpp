// EXPECT: ctgrad: mse_loss(input, target): the target has an axis the input lacks
#include "common.hpp"
constexpr auto t_j = input<"t">(batch, axis<"j", 2>{});  // o is [batch, k]: `j` where `k` was meant
int main() {
    std::vector<float> xs(10), ts(2), ws(20), dw(20);
    (void)value_and_grad(mse_loss(o, t_j), wrt(w))(bind(x, xs), bind(t_j, ts), bind(w, ws), dw);
}
