// EXPECT: delta is a positive compile-time constant
#include "common.hpp"
// PyTorch: "huber_loss does not support non-positive values for delta".
constexpr auto L = huber_loss(o, t, -1_c);
int main() {}
