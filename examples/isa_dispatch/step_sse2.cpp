// lecture_step for xsimd::sse2: this file is compiled with that instruction set's flags.
#include "step_impl.hpp"

template <>
step_result lecture_step::operator()(xsimd::sse2, const std::vector<float>& x, const std::vector<float>& w) const {
    return evaluate_lecture_step(x, w);
}
