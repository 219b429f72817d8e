// lecture_step for xsimd::fma3<xsimd::avx2>: this file is compiled with that instruction set's flags.
#include "step_impl.hpp"

template <>
step_result lecture_step::operator()(xsimd::fma3<xsimd::avx2>, const std::vector<float>& x,
                                     const std::vector<float>& w) const {
    return evaluate_lecture_step(x, w);
}
