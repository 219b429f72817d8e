#pragma once
// Peer 4: libtorch autograd, as a PyTorch training step in C++: x and t are tensors over
// copies of the data, the parameters require gradients, and each run() builds the graph
//   single layer:  o = sigmoid(x.matmul(w.t()) + b)
//   two layers:    h = sigmoid(x.matmul(w1.t()) + b1),  o = sigmoid(h.matmul(w2.t()) + b2)
//   loss = 0.5 * ((o - t)^2).sum(),  loss.backward()
// reads the loss and copies the parameters' grads out, then zeroes them as a training loop
// does. Single-threaded: main() calls set_torch_threads(1) before any benchmark runs.
//
// The implementation lives in peers/torch.cpp, its own translation unit, so that the heavy
// libtorch headers are compiled once and kept away from the rest (it is C++17: so are the
// problem headers). Only built when CTGRAD_BENCH_HAVE_TORCH is defined.

#include <memory>

#include "../problem.hpp"
#include "../two_layer_problem.hpp"

namespace bench {

// torch::set_num_threads(n) (intra-op; BLAS follows OpenMP's thread count).
void set_torch_threads(int n);

// Problem: problem<T> or two_layer_problem<T>, T float or double (explicitly instantiated in torch.cpp).
template <class Problem>
class torch_peer {
public:
    explicit torch_peer(const Problem& p);
    ~torch_peer();
    torch_peer(const torch_peer&) = delete;
    torch_peer& operator=(const torch_peer&) = delete;

    void run(typename Problem::result_type& r);

private:
    struct state;  // the tensors
    std::unique_ptr<state> s_;
};

}  // namespace bench
