// Peer 4's implementation (see torch.hpp): libtorch's autograd on the benchmarked problem.
// A translation unit of its own so that libtorch's headers are parsed once per binary.

#include "torch.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <cstdint>

namespace bench {

void set_torch_threads(int n) {
    torch::set_num_threads(n);
}

template <class T>
struct torch_peer<T>::state {
    torch::Tensor x, t, w, b;
};

template <class T>
torch_peer<T>::torch_peer(const problem<T>& p) : s_(std::make_unique<state>()) {
    const auto type = std::is_same_v<T, float> ? torch::kFloat32 : torch::kFloat64;
    const auto B = static_cast<std::int64_t>(p.size.B), N = static_cast<std::int64_t>(p.size.N),
               K = static_cast<std::int64_t>(p.size.K);
    auto tensor = [&](const std::vector<T>& v, std::vector<std::int64_t> shape) {
        // from_blob does not copy: clone() gives each tensor its own storage.
        return torch::from_blob(const_cast<T*>(v.data()), shape, torch::TensorOptions().dtype(type)).clone();
    };
    s_->x = tensor(p.x, {B, N});
    s_->t = tensor(p.t, {B, K});
    s_->w = tensor(p.w, {K, N}).requires_grad_(true);
    s_->b = tensor(p.b, {K}).requires_grad_(true);
}

template <class T>
torch_peer<T>::~torch_peer() = default;

template <class T>
void torch_peer<T>::run(result<T>& r) {
    state& s = *s_;
    const torch::Tensor o = torch::sigmoid(s.x.matmul(s.w.t()) + s.b);
    const torch::Tensor loss = 0.5 * (o - s.t).pow(2).sum();
    loss.backward();
    r.loss = loss.template item<T>();
    const torch::Tensor& gw = s.w.grad();
    const torch::Tensor& gb = s.b.grad();
    std::copy_n(gw.template data_ptr<T>(), r.dw.size(), r.dw.begin());
    std::copy_n(gb.template data_ptr<T>(), r.db.size(), r.db.begin());
    s.w.mutable_grad().zero_();
    s.b.mutable_grad().zero_();
}

template class torch_peer<float>;
template class torch_peer<double>;

}  // namespace bench
