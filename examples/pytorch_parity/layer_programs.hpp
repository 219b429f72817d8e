#pragma once
// The layer cases' 19 model types by value_and_grad, in float and in double: 38 ctgrad programs,
// the larger part of the tool's compile. They are compiled in four translation units, each
// precision's models in two halves (layer_programs_{float,double}_{first,second}.cpp): a
// parallel build compiles them side by side, and none of the four needs more than ~1.5 GB (one
// per precision took 1.8 GB with g++ 12 -O3).

#include <array>
#include <cstddef>
#include <utility>

#include "../pytorch_parity_layers.hpp"

namespace parity::tool {

/// The model types [0, split) are the first half, [split, 19) the second.
inline constexpr std::size_t layer_programs_split = 10;

/// Evaluates layer case `c` (model < layer_programs_split) by value_and_grad in float.
layers::results run_first_layer_programs_float(const layers::layer_case& c);
/// Evaluates layer case `c` (model >= layer_programs_split) by value_and_grad in float.
layers::results run_second_layer_programs_float(const layers::layer_case& c);
/// Evaluates layer case `c` (model < layer_programs_split) by value_and_grad in double.
layers::results run_first_layer_programs_double(const layers::layer_case& c);
/// Evaluates layer case `c` (model >= layer_programs_split) by value_and_grad in double.
layers::results run_second_layer_programs_double(const layers::layer_case& c);

/// Evaluates layer case `c` by value_and_grad in `precision`, with the program of its model type
/// (what layers::evaluate does, its programs compiled in the four parts).
inline layers::results evaluate_layer_case(const layers::layer_case& c, dtype precision) {
    const bool first = c.model < layer_programs_split;
    if (precision == dtype::float32)
        return first ? run_first_layer_programs_float(c) : run_second_layer_programs_float(c);
    return first ? run_first_layer_programs_double(c) : run_second_layer_programs_double(c);
}

/// The program of c's model type in precision T, chosen at run time from model types
/// [First, First + Count) of layers::model_keys.
template <class T, std::size_t First, std::size_t Count>
layers::results run_layer_programs(const layers::layer_case& c) {
    using fn = layers::results (*)(const layers::layer_case&);
    static constexpr auto programs = []<std::size_t... I>(std::index_sequence<I...>) {
        constexpr auto& keys = layers::model_keys;
        return std::array<fn, Count>{
            &layers::fused_results<layers::model_type<keys[First + I].layers, keys[First + I].act, keys[First + I].loss>,
                                   T>...};
    }
    (std::make_index_sequence<Count>{});
    return programs.at(c.model - First)(c);
}

}  // namespace parity::tool
