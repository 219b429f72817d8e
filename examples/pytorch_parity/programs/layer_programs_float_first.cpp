// The layer cases' programs in float, the first half of the model types (see layer_programs.hpp).

#include "layer_programs.hpp"

namespace parity::layers {

results run_first_layer_programs_float(const layer_case& c) {
    return run_layer_programs<float, 0, layer_programs_split>(c);
}

}  // namespace parity::layers
