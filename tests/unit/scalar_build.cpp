// A translation unit compiled with CTGRAD_SCALAR (no SIMD): its kernels live in their own
// ISA-named namespace, so it links beside the SIMD tests. test_scalar_vs_simd.cpp compares.
#define CTGRAD_SCALAR 1
#include "scalar_build.hpp"

namespace scalar_build {
result evaluate_scalar_build(std::size_t B, std::size_t N, std::size_t K, unsigned seed) {
    return evaluate(B, N, K, seed);
}
result evaluate_robust_scalar_build(std::size_t B, std::size_t N, std::size_t K, unsigned seed) {
    return evaluate_robust(B, N, K, seed);
}
}  // namespace scalar_build
