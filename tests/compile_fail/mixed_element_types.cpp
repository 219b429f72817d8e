// EXPECT: same element type
#include "common.hpp"
int main() {
    std::vector<float> xs(10), ts(2), dw(20);
    std::vector<double> ws(20);
    (void)value_and_grad(E, wrt(w))(bind(x, xs), bind(w, ws), bind(t, ts), dw);
}
