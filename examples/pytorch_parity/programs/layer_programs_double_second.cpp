// The layer cases' programs in double, the second half of the model types (see layer_programs.hpp).

#include "layer_programs.hpp"

namespace parity::layers {

results run_second_layer_programs_double(const layer_case& c) {
    return run_layer_programs<double, layer_programs_split, model_keys.size() - layer_programs_split>(c);
}

}  // namespace parity::layers
