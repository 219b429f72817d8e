// Run-time dispatch: one binary holding ctgrad's kernels for AVX-512, AVX2+FMA and SSE2,
// choosing at start-up (xsimd::dispatch) the best one this CPU supports, and saying which.
#include <cstdio>
#include <vector>

#include "step.hpp"

int main() {
    const std::vector<float> x = {0.5f, -1.0f, 0.25f, 2.0f, -0.5f, 1.0f, 0.0f, -2.0f, 1.5f, 0.75f};
    std::vector<float> w(20);
    for (std::size_t i = 0; i < w.size(); ++i)
        w[i] = 0.1f * static_cast<float>(i % 7) - 0.3f;
    const auto chosen = xsimd::dispatch<dispatched_isas>(lecture_step{})(x, w);
    std::printf("this CPU's best instruction set among AVX-512, AVX2+FMA, SSE2: %.*s\n",
                static_cast<int>(chosen.instruction_set.size()), chosen.instruction_set.data());
    // The same step with the baseline kernels, for comparison.
    const auto baseline = lecture_step{}(xsimd::sse2{}, x, w);
    std::printf("loss %.6f (SSE2: %.6f), dw[0] %.6f (SSE2: %.6f)\n", chosen.loss, baseline.loss, chosen.dw[0],
                baseline.dw[0]);
    return chosen.loss == baseline.loss || (chosen.loss - baseline.loss) * (chosen.loss - baseline.loss) < 1e-10 ? 0
                                                                                                                 : 1;
}
