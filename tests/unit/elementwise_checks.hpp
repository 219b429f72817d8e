#pragma once
// The check of an elementwise case's value_and_grad results (tests/data/elementwise_cases.json;
// the programs of the library ctgrad_parity_programs) shared by test_abs_clamp.cpp and
// test_robust_losses.cpp: one assertion per field, the loss and each gradient, by the rule of
// examples/pytorch_parity_elementwise.hpp (pytorch_parity's --check judges the worst of them).

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstddef>

#include "../../examples/pytorch_parity_elementwise.hpp"

namespace elementwise_checks {

/// Checks `ours`, case `c` computed in its own precision, against PyTorch's results `want`
/// (parity::elementwise::reference_of(c)), field by field, within the case's tolerance.
inline void check_fields(const parity::elementwise::elementwise_case& c, const parity::elementwise::results& ours,
                         const parity::elementwise::results& want) {
    namespace pe = parity::elementwise;
    const double tol = pe::tolerance_of(c, c.type);
    CHECK(std::fabs(ours.loss - want.loss) <= tol * std::max(1.0, std::fabs(want.loss)));
    const auto names = pe::gradient_names(c.model(), c.binary());
    REQUIRE(ours.grads.size() == names.size());
    for (std::size_t g = 0; g < names.size(); ++g) {
        INFO("value_and_grad's " << names[g]);
        CHECK(pe::normwise_error(ours.grads[g], want.grads[g], 1e-30) <= tol);
    }
}

}  // namespace elementwise_checks
