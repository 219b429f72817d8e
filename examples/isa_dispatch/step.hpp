// One lecture step (the loss and dw of the multi-output perceptron), declared once per
// instruction set. Each definition lives in a translation unit compiled for its ISA, where
// ctgrad's kernels follow that unit's flags (and live in that ISA's namespace).
#pragma once
#include <string_view>
#include <vector>
#include <xsimd/xsimd.hpp>

struct step_result {
    float loss;
    std::vector<float> dw;
    std::string_view instruction_set;  // what ctgrad's kernels were compiled for
};

struct lecture_step {
    template <class Arch>
    step_result operator()(Arch, const std::vector<float>& x, const std::vector<float>& w) const;
};

// Highest first: xsimd::dispatch takes the first the CPU supports.
using dispatched_isas = xsimd::arch_list<xsimd::avx512bw, xsimd::fma3<xsimd::avx2>, xsimd::sse2>;

template <>
step_result lecture_step::operator()(xsimd::avx512bw, const std::vector<float>&, const std::vector<float>&) const;
template <>
step_result lecture_step::operator()(xsimd::fma3<xsimd::avx2>, const std::vector<float>&,
                                     const std::vector<float>&) const;
template <>
step_result lecture_step::operator()(xsimd::sse2, const std::vector<float>&, const std::vector<float>&) const;
