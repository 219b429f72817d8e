// EXPECT: must be a variable made by input
#include "common.hpp"
int main() {
    std::vector<float> os(2);
    (void)bind(o, os);  // o is computed, it cannot be bound
}
