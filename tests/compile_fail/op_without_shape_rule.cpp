// EXPECT: ctgrad: this operation has no shape rule: specialise ctgrad::shape_impl<Fn>
#include "common.hpp"
struct cumsum_fn {  // a new operation without its header's table entries
    static constexpr bool elementwise = false;
};
constexpr auto e = sum(make_call<cumsum_fn>(o));
int main() {}
