// The elementwise cases' programs in float, the first half (see elementwise_programs.hpp).

#include "elementwise_programs.hpp"

namespace parity::elementwise {

results run_first_elementwise_programs_float(const elementwise_case& c) {
    return run_elementwise_programs<float, 0, elementwise_programs_split>(c);
}

}  // namespace parity::elementwise
