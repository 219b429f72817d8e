#pragma once
// Peer 4: libtorch autograd, as a PyTorch training step in C++: x and t are tensors over
// copies of the data, w and b require gradients, and each run() builds the graph
//   o = sigmoid(x.matmul(w.t()) + b),  loss = 0.5 * ((o - t)^2).sum(),  loss.backward()
// reads the loss and copies w.grad, b.grad out, then zeroes the gradients as a training loop
// does. Single-threaded: main() calls set_torch_threads(1) before any benchmark runs.
//
// The implementation lives in peers/torch.cpp, its own translation unit, so that the heavy
// libtorch headers are compiled once and kept away from the rest. Only built when
// CTGRAD_BENCH_HAVE_TORCH is defined.

#include <memory>

#include "../problem.hpp"

namespace bench {

// torch::set_num_threads(n) (intra-op; BLAS follows OpenMP's thread count).
void set_torch_threads(int n);

template <class T>  // float or double (explicitly instantiated in torch.cpp)
class torch_peer {
public:
    explicit torch_peer(const problem<T>& p);
    ~torch_peer();
    torch_peer(const torch_peer&) = delete;
    torch_peer& operator=(const torch_peer&) = delete;

    void run(result<T>& r);

private:
    struct state;  // the tensors
    std::unique_ptr<state> s_;
};

}  // namespace bench
