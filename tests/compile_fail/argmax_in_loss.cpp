// EXPECT: argmax has no derivative
// MAX_BYTES: 40000
// (the derivative walk is in its context: longer than a binding mistake, the message near the end)
#include "common.hpp"
int main() {
    std::vector<float> xs(10), ws(20), ts(1), dw(20);
    const auto y = input<"y">(batch);
    const auto L = sum(pow<2>(argmax(o, k) - y));  // the predicted class is not differentiable
    (void)value_and_grad(L, wrt(w))(bind(x, xs), bind(w, ws), bind(y, ts), dw);
}
