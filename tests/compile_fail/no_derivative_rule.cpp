// EXPECT: has no derivative rule
// MAX_BYTES: 40000
#include "common.hpp"
struct cube_fn {  // a user function with a kernel but no derivative rule
    static constexpr bool elementwise = true;
    static constexpr const char* text_name = "cube";
    static constexpr const char* latex_name = "\\operatorname{cube}";
};
constexpr auto cubed = sum(make_call<cube_fn>(o));
constexpr auto g = grad(cubed, w);
int main() {}
