// EXPECT: v must be a variable
#include "common.hpp"
constexpr auto g = grad(E, o);  // o is an expression, not a variable
int main() {}
