// EXPECT: a plain number in an expression
#include "common.hpp"
constexpr auto half_E = sum(pow<2>(o - t)) * 0.5;  // should be 0.5_c
int main() {}
