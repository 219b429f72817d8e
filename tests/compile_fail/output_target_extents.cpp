// EXPECT: shape mismatch
#include "common.hpp"
constexpr auto t3 = input<"t">(batch, axis<"k", 3>{});
constexpr auto bad = mse_loss(o, t3);  // o has k = 2 outputs, the target k = 3
int main() {}
