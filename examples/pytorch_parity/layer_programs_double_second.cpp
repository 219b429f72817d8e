// The layer cases' programs in double, the second half of the model types (see layer_programs.hpp).

#include "layer_programs.hpp"

namespace parity::tool {

layers::results run_second_layer_programs_double(const layers::layer_case& c) {
    return run_layer_programs<double, layer_programs_split, layers::model_keys.size() - layer_programs_split>(c);
}

}  // namespace parity::tool
