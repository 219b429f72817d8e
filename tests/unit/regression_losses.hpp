#pragma once
// The regression losses of tests/data/elementwise_cases.json by the names its cases give them
// (F.l1_loss, F.huber_loss, F.smooth_l1_loss with their delta or beta), for the tests that read it.

#include <string>

#include <ctgrad/ctgrad.hpp>

namespace regression_losses {

// Exact constants at namespace scope: clang 14 leaves a consteval literal operator undefined
// when it is used in a template (such as the lambdas below) instantiated outside a constant
// expression.
inline constexpr auto half = ctgrad::constant_expr<1, 2>{};  // 0.5_c

/// Calls f(loss) with the loss named `op`, a function of (input, target); false for another name.
/// ("smooth_l1_loss_beta_0" is not one: test_abs_clamp.cpp checks it on its own.)
template <class F>
bool with_loss(const std::string& op, F f) {
    using namespace ctgrad;
    if (op == "l1_loss")
        f([](auto i, auto t) { return l1_loss(i, t); });
    else if (op == "huber_loss")
        f([](auto i, auto t) { return huber_loss(i, t); });
    else if (op == "huber_loss_delta_0.5")
        f([](auto i, auto t) { return huber_loss(i, t, half); });
    else if (op == "smooth_l1_loss")
        f([](auto i, auto t) { return smooth_l1_loss(i, t); });
    else if (op == "smooth_l1_loss_beta_0.5")
        f([](auto i, auto t) { return smooth_l1_loss(i, t, half); });
    else
        return false;
    return true;
}

}  // namespace regression_losses
