// EXPECT: gradient buffers must be writable
#include "common.hpp"
int main() {
    std::vector<float> xs(10), ws(20), ts(2);
    const std::vector<float> dw(20);  // the gradient is written here: it cannot be const
    (void)value_and_grad(E, wrt(w))(bind(x, xs), bind(w, ws), bind(t, ts), dw);
}
