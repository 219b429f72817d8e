// The elementwise cases' programs in double, the first half (see elementwise_programs.hpp).

#include "elementwise_programs.hpp"

namespace parity::elementwise {

results run_first_elementwise_programs_double(const elementwise_case& c) {
    return run_elementwise_programs<double, 0, elementwise_programs_split>(c);
}

}  // namespace parity::elementwise
