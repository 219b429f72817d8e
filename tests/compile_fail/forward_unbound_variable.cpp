// EXPECT: a variable of the loss is left unbound
#include "common.hpp"
int main() {
    std::vector<float> xs(10), out(2);
    (void)value(o)(bind(x, xs), out);  // w is not bound
}
