// CI's check of the sweep's code (ctgrad_sweep_smoke, CTest benchmarks.smoke.sweep): the same
// machinery as the full grid (sweep.hpp, sweep_main.cpp) on two shapes, cheap to compile. A
// single-layer shape with an odd N and K = 10, and a two-layer one, at the grid's smallest batch.
#include "sweep.hpp"

namespace bench::sweep {

bool add_grid() {
    constexpr std::array<std::size_t, 1> smallest{batches[0]};
    bool ok = add_column<33, 10>(smallest);
    ok &= add_two_layer_column<100, 10, 16>(smallest);
    return ok;
}

const char* grid_name() { return "smoke"; }

}  // namespace bench::sweep
