// The layer cases' programs in double, the first half of the model types (see layer_programs.hpp).

#include "layer_programs.hpp"

namespace parity::layers {

results run_first_layer_programs_double(const layer_case& c) {
    return run_layer_programs<double, 0, layer_programs_split>(c);
}

}  // namespace parity::layers
