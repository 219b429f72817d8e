// EXPECT: the output buffer must have the element type of the bound data
#include "common.hpp"
int main() {
    std::vector<float> xs(10), ws(20);
    std::vector<int> out(2);  // o's values are floats: only argmax(z, k) goes into integers
    (void)value(o)(bind(x, xs), bind(w, ws), out);
}
