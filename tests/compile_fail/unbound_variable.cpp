// EXPECT: left unbound
#include "common.hpp"
int main() {
    std::vector<float> xs(10), ws(20), dw(20);
    (void)value_and_grad(E, wrt(w))(bind(x, xs), bind(w, ws), dw);  // t is not bound
}
