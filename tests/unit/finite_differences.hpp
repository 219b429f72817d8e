#pragma once
// Central finite differences of a loss, evaluated by the reference evaluator in double: the
// second oracle (after PyTorch) for every derivative ctgrad derives.

#include <algorithm>
#include <cmath>
#include <ctgrad/reference/evaluate.hpp>
#include <tuple>
#include <vector>

namespace test_support {

/// The loss's value with the bindings `bind_all()` returns (a tuple of bind(v, data)).
template <class L, class Bind>
double reference_value(const L& loss, Bind&& bind_all) {
    return std::apply([&](auto&&... bs) { return ctgrad::reference::evaluate_scalar(loss, bs...); }, bind_all());
}

/// ∂loss/∂which[i] for every element of `which` (data that `bind_all` binds), by central
/// differences with a step of 1e-6 relative to the element.
template <class L, class Bind>
std::vector<double> finite_difference(const L& loss, std::vector<double>& which, Bind&& bind_all) {
    std::vector<double> g(which.size());
    for (std::size_t i = 0; i < which.size(); ++i) {
        const double saved = which[i];
        const double h = 1e-6 * std::max(1.0, std::abs(saved));
        which[i] = saved + h;
        const double fp = reference_value(loss, bind_all);
        which[i] = saved - h;
        const double fm = reference_value(loss, bind_all);
        which[i] = saved;
        g[i] = (fp - fm) / (2 * h);
    }
    return g;
}

}  // namespace test_support
