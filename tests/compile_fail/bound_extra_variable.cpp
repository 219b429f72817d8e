// EXPECT: does not occur in the loss
#include "common.hpp"
constexpr auto v = parameter<"v">(k);
int main() {
    std::vector<float> xs(10), ws(20), ts(2), vs(2), dw(20);
    (void)value_and_grad(E, wrt(w))(bind(x, xs), bind(w, ws), bind(t, ts), bind(v, vs), dw);  // v is not in E
}
