// The SIMD build of the fused kernel against the scalar build (CTGRAD_SCALAR), same inputs.

#include <catch2/catch.hpp>
#include <initializer_list>

#include "scalar_build.hpp"

namespace {
/// The worst normwise difference between simd(B, N, K, seed) and scalar(B, N, K, seed) over
/// the sizes given, each with seeds of its own from `seed`.
template <class Simd, class Scalar>
double worst_difference(Simd simd_build, Scalar scalar_build, std::initializer_list<std::size_t> Ns,
                        std::initializer_list<std::size_t> Ks, unsigned seed) {
    double worst = 0;
    for (std::size_t N : Ns)
        for (std::size_t K : Ks)
            for (std::size_t B : {1, 3, 9, 40}) {
                const auto simd = simd_build(B, N, K, seed);
                const auto scalar = scalar_build(B, N, K, seed);
                seed += 4;
                worst = std::max(worst, std::abs(double(simd.loss) - scalar.loss) / std::abs(double(scalar.loss)));
                worst = std::max(worst, test_support::normwise_error(simd.dw, scalar.dw, 1e-2));
                worst = std::max(worst, test_support::normwise_error(simd.db, scalar.db, 1e-2));
                worst = std::max(worst, test_support::normwise_error(simd.dx, scalar.dx, 1e-2));
            }
    return worst;
}
}  // namespace

TEST_CASE("SIMD and scalar builds of the fused kernel agree", "[lowering][isa]") {
    INFO("SIMD instruction set: " << ctgrad::lowering::instruction_set);
    const double worst = worst_difference(scalar_build::evaluate, scalar_build::evaluate_scalar_build,
                                          {1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 64, 67}, {1, 2, 5}, 100);
    INFO("worst normwise difference " << worst);
    CHECK(worst < 1e-5);
}

TEST_CASE("SIMD and scalar builds agree on clamp, maximum and the Huber and L1 losses", "[lowering][isa][clamp]") {
    INFO("SIMD instruction set: " << ctgrad::lowering::instruction_set);
    const double worst = worst_difference(scalar_build::evaluate_robust, scalar_build::evaluate_robust_scalar_build,
                                          {1, 7, 9, 17, 33}, {1, 3, 5}, 500);
    INFO("worst normwise difference " << worst);
    CHECK(worst < 1e-5);
}
