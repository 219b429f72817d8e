// EXPECT: is ambiguous
// A variable named `value` in the global namespace, beside `using namespace ctgrad;` there, is
// ambiguous with ctgrad::value (and likewise `name`, `sum`, `batch`...): declare your own names
// in a namespace of your own or in a function (tests/unit/test_name_collisions.cpp, the
// glossary's "Names you may also use"). `step` no longer collides: relu's derivative is heaviside.
#include "common.hpp"
const auto value = ctgrad::value(E);
int main() {
    std::vector<float> xs(10), ts(2), ws(20);
    return static_cast<int>(value(bind(x, xs), bind(t, ts), bind(w, ws)));
}
