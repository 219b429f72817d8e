#pragma once
// libtorch's torch::optim::Adam on one parameter of n floats, for benchmarks/optimizers.cpp:
// the parameter and its gradient are tensors over copies of the given values; step() is
// optimizer.step() (one thread: main() calls set_torch_threads(1)). The implementation is in
// peers/torch_optim.cpp, a C++17 translation unit like peers/torch.cpp. Only built when
// CTGRAD_BENCH_HAVE_TORCH is defined.

#include <cstddef>
#include <memory>
#include <vector>

namespace bench {

class torch_adam {
public:
    torch_adam(const std::vector<float>& param, const std::vector<float>& grad, double lr);
    ~torch_adam();
    torch_adam(const torch_adam&) = delete;
    torch_adam& operator=(const torch_adam&) = delete;

    void step();
    /// The parameter's current values.
    std::vector<float> param() const;

private:
    struct state;
    std::unique_ptr<state> s_;
};

}  // namespace bench
