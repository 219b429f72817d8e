// The SIMD build of the fused kernel against the scalar build (CTGRAD_SCALAR), same inputs.

#include <catch2/catch.hpp>

#include "scalar_build.hpp"

TEST_CASE("SIMD and scalar builds of the fused kernel agree", "[lowering][isa]") {
    INFO("SIMD instruction set: " << ctgrad::lowering::instruction_set);
    double worst = 0;
    unsigned seed = 100;
    for (std::size_t N : {1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 64, 67})
        for (std::size_t K : {1, 2, 5})
            for (std::size_t B : {1, 3, 9, 40}) {
                const auto simd = scalar_build::evaluate(B, N, K, seed);
                const auto scalar = scalar_build::evaluate_scalar_build(B, N, K, seed);
                seed += 4;
                worst = std::max(worst, std::abs(double(simd.loss) - scalar.loss) / std::abs(double(scalar.loss)));
                worst = std::max(worst, test_support::normwise_error(simd.dw, scalar.dw, 1e-2));
                worst = std::max(worst, test_support::normwise_error(simd.db, scalar.db, 1e-2));
                worst = std::max(worst, test_support::normwise_error(simd.dx, scalar.dx, 1e-2));
            }
    INFO("worst normwise difference " << worst);
    CHECK(worst < 1e-5);
}
