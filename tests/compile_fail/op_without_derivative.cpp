// EXPECT: ctgrad: this operation has no derivative: specialise ctgrad::derivative_impl<Fn>
// MAX_BYTES: 40000
#include "common.hpp"
struct twice_fn {  // a new operation with a shape rule but no derivative
    static constexpr bool elementwise = false;
};
template <>
struct ctgrad::shape_impl<twice_fn> {
    template <class A>
    struct apply {
        using type = A;
    };
};
constexpr auto g = grad(sum(make_call<twice_fn>(o)), w);
int main() {}
