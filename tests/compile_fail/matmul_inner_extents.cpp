// EXPECT: matmul inner dimensions differ
#include "common.hpp"
constexpr axis<"n", 12> n12;
constexpr auto v = parameter<"v">(k, n12);
constexpr auto z = matmul(x, transpose(v));  // x is [batch, n=10], v is [k, n=12]
int main() {}
