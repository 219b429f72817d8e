#pragma once
// The layer cases' 19 model types by value_and_grad, in float and in double: 38 ctgrad programs,
// compiled once, in the static library ctgrad_parity_programs (this directory's CMakeLists.txt),
// which the tool pytorch_parity and the unit tests (tests/unit/test_layer_parity.cpp) both link:
// each copy took ~100 s of g++ 12's CPU time at -O3 (~450 s under ASan). They are compiled in
// four translation units, each precision's models in two halves
// (layer_programs_{float,double}_{first,second}.cpp): a parallel build compiles them side by
// side, and none of the four needs more than ~1.5 GB (one per precision took 1.8 GB with g++ 12
// -O3).

#include <array>
#include <cstddef>
#include <utility>

#include "../../pytorch_parity_layers.hpp"

namespace parity::layers {

/// The model types [0, split) are the first half, [split, 19) the second.
inline constexpr std::size_t layer_programs_split = 10;

/// Evaluates layer case `c` (model < layer_programs_split) by value_and_grad in float.
results run_first_layer_programs_float(const layer_case& c);
/// Evaluates layer case `c` (model >= layer_programs_split) by value_and_grad in float.
results run_second_layer_programs_float(const layer_case& c);
/// Evaluates layer case `c` (model < layer_programs_split) by value_and_grad in double.
results run_first_layer_programs_double(const layer_case& c);
/// Evaluates layer case `c` (model >= layer_programs_split) by value_and_grad in double.
results run_second_layer_programs_double(const layer_case& c);

/// Evaluates layer case `c` by value_and_grad in `precision`, with the compiled program of its
/// model type (what evaluate<method::value_and_grad> would do, its 38 programs compiled once in
/// the library's four parts).
inline results evaluate_compiled(const layer_case& c, dtype precision) {
    const bool first = c.model < layer_programs_split;
    if (precision == dtype::float32)
        return first ? run_first_layer_programs_float(c) : run_second_layer_programs_float(c);
    return first ? run_first_layer_programs_double(c) : run_second_layer_programs_double(c);
}

/// The program of c's model type in precision T, chosen at run time from model types
/// [First, First + Count) of model_keys (for the library's parts only).
template <class T, std::size_t First, std::size_t Count>
results run_layer_programs(const layer_case& c) {
    using fn = results (*)(const layer_case&);
    static constexpr auto programs = []<std::size_t... I>(std::index_sequence<I...>) {
        constexpr auto& keys = model_keys;
        return std::array<fn, Count>{
            &fused_results<model_type<keys[First + I].layers, keys[First + I].act, keys[First + I].loss>, T>...};
    }
    (std::make_index_sequence<Count>{});
    return programs.at(c.model - First)(c);
}

}  // namespace parity::layers
