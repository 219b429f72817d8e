// The full grid of ctgrad_sweep_native / ctgrad_sweep_avx2:
//   single layer  N ∈ {17, 33, 100, 257, 784, 2048} × K ∈ {1, 2, 5, 10, 16, 32} × B ∈ {64, 1024, 8192}
//   two layers    (N, K) ∈ {(100, 10), (784, 10)} × H ∈ {16, 64, 256} × B ∈ {64, 1024}
// in float and double. N includes odd sizes (17, 33, 257: a remainder after whole vectors of
// 8 and 16 lanes) beside round ones; K from one output to 32, beyond the register blocks of the
// forward product. The two-layer shapes: MNIST's 784 inputs and 10 classes, and a narrower
// input (100) where the hidden layer's products weigh as much as the input's at H = 256.
// Each column is its own translation unit (sweep_column.cpp.in, sweep_two_layer.cpp.in).
#include "sweep.hpp"

namespace bench::sweep {

bool add_column_17();
bool add_column_33();
bool add_column_100();
bool add_column_257();
bool add_column_784();
bool add_column_2048();
bool add_two_layer_column_100();
bool add_two_layer_column_784();

bool add_grid() {
    bool ok = true;
    ok &= add_column_17();
    ok &= add_column_33();
    ok &= add_column_100();
    ok &= add_column_257();
    ok &= add_column_784();
    ok &= add_column_2048();
    ok &= add_two_layer_column_100();
    ok &= add_two_layer_column_784();
    return ok;
}

const char* grid_name() { return "full"; }

}  // namespace bench::sweep
