// EXPECT: ctgrad: this constant does not fit an exact 64-bit fraction: write at most 18 significant
#include "common.hpp"
constexpr auto c = 0.12345678901234567890123_c;  // 23 significant digits
int main() {}
