// The layer cases' programs in float, the second half of the model types (see layer_programs.hpp).

#include "layer_programs.hpp"

namespace parity::layers {

results run_second_layer_programs_float(const layer_case& c) {
    return run_layer_programs<float, layer_programs_split, model_keys.size() - layer_programs_split>(c);
}

}  // namespace parity::layers
