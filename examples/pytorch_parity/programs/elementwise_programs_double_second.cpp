// The elementwise cases' programs in double, the second half (see elementwise_programs.hpp).

#include "elementwise_programs.hpp"

namespace parity::elementwise {

results run_second_elementwise_programs_double(const elementwise_case& c) {
    return run_elementwise_programs<double, elementwise_programs_split, programs.size() - elementwise_programs_split>(c);
}

}  // namespace parity::elementwise
