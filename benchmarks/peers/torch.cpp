// Peer 4's implementation (see torch.hpp): libtorch's autograd on the benchmarked problems.
// A translation unit of its own so that libtorch's headers are parsed once per binary.

#include "torch.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace bench {

void set_torch_threads(int n) {
    torch::set_num_threads(n);
}

namespace {

std::int64_t i64(std::size_t n) {
    return static_cast<std::int64_t>(n);
}

// A tensor of the given shape over a copy of v (from_blob does not copy: clone() gives each
// tensor its own storage).
template <class T>
torch::Tensor tensor_of(const std::vector<T>& v, std::vector<std::int64_t> shape) {
    const auto type = std::is_same_v<T, float> ? torch::kFloat32 : torch::kFloat64;
    return torch::from_blob(const_cast<T*>(v.data()), shape, torch::TensorOptions().dtype(type)).clone();
}

// What differs between the problems: the parameters, in the order of the result's
// gradients(), and the network's output o.
template <class Problem>
struct model;

template <class T>
struct model<problem<T>> {
    static std::vector<torch::Tensor> parameters(const problem<T>& p) {
        const auto N = i64(p.size.N), K = i64(p.size.K);
        return {tensor_of(p.w, {K, N}), tensor_of(p.b, {K})};
    }
    static torch::Tensor output(const torch::Tensor& x, const std::vector<torch::Tensor>& w) {
        return torch::sigmoid(x.matmul(w[0].t()) + w[1]);
    }
};

template <class T>
struct model<two_layer_problem<T>> {
    static std::vector<torch::Tensor> parameters(const two_layer_problem<T>& p) {
        const auto N = i64(p.size.N), H = i64(p.size.H), K = i64(p.size.K);
        return {tensor_of(p.w1, {H, N}), tensor_of(p.b1, {H}), tensor_of(p.w2, {K, H}), tensor_of(p.b2, {K})};
    }
    static torch::Tensor output(const torch::Tensor& x, const std::vector<torch::Tensor>& w) {
        const torch::Tensor h = torch::sigmoid(x.matmul(w[0].t()) + w[1]);
        return torch::sigmoid(h.matmul(w[2].t()) + w[3]);
    }
};

}  // namespace

template <class Problem>
struct torch_peer<Problem>::state {
    torch::Tensor x, t;
    std::vector<torch::Tensor> parameters;  // requiring gradients
};

template <class Problem>
torch_peer<Problem>::torch_peer(const Problem& p) : s_(std::make_unique<state>()) {
    const auto B = i64(p.size.B), N = i64(p.size.N), K = i64(p.size.K);
    s_->x = tensor_of(p.x, {B, N});
    s_->t = tensor_of(p.t, {B, K});
    s_->parameters = model<Problem>::parameters(p);
    for (torch::Tensor& w : s_->parameters) w.requires_grad_(true);
}

template <class Problem>
torch_peer<Problem>::~torch_peer() = default;

template <class Problem>
void torch_peer<Problem>::run(typename Problem::result_type& r) {
    using T = typename Problem::value_type;
    state& s = *s_;
    const torch::Tensor o = model<Problem>::output(s.x, s.parameters);
    const torch::Tensor loss = 0.5 * (o - s.t).pow(2).sum();
    loss.backward();
    r.loss = loss.template item<T>();
    const auto gradients = r.gradients();
    for (std::size_t i = 0; i < gradients.size(); ++i) {
        const torch::Tensor& g = s.parameters[i].grad();
        std::copy_n(g.template data_ptr<T>(), gradients[i]->size(), gradients[i]->begin());
    }
    for (torch::Tensor& w : s.parameters) w.mutable_grad().zero_();
}

template class torch_peer<problem<float>>;
template class torch_peer<problem<double>>;
template class torch_peer<two_layer_problem<float>>;
template class torch_peer<two_layer_problem<double>>;

}  // namespace bench
