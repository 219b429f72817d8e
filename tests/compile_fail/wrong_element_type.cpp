// EXPECT: bind float or double data
#include "common.hpp"
int main() {
    std::vector<int> xs(10);
    (void)bind(x, xs);
}
