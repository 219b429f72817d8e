// EXPECT: bound twice
#include "common.hpp"
int main() {
    std::vector<float> xs(10), ws(20), ts(2), dw(20);
    (void)value_and_grad(E, wrt(w))(bind(x, xs), bind(w, ws), bind(t, ts), bind(t, ts), dw);
}
