// EXPECT: needs a scalar loss
#include "common.hpp"
constexpr auto step = value_and_grad(pow<2>(o - t), wrt(w));  // forgot sum() or mean()
int main() {}
