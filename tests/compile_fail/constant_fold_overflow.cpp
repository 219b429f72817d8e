// EXPECT: ctgrad: folding two constants of this expression overflows an exact 64-bit fraction
// MAX_BYTES: 40000
#include "common.hpp"
// The tanh-approximate GELU's inner polynomial with √(2/π) pasted in full: differentiating it
// folds √(2/π)·0.044715, whose lowest terms need more than 64 bits.
constexpr auto u = 0.7978845608028654_c * (o + 0.044715_c * pow<3>(o));
constexpr auto g = grad(sum(u), w);
int main() {}
