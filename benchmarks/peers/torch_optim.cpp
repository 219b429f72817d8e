// libtorch's torch::optim::Adam (see torch_optim.hpp).

#include "torch_optim.hpp"

#include <torch/torch.h>

#include <vector>

namespace bench {

struct torch_adam::state {
    torch::Tensor param;
    std::unique_ptr<torch::optim::Adam> optimizer;
};

torch_adam::torch_adam(const std::vector<float>& param, const std::vector<float>& grad, double lr)
    : s_(std::make_unique<state>()) {
    const auto n = static_cast<std::int64_t>(param.size());
    s_->param = torch::from_blob(const_cast<float*>(param.data()), {n}, torch::kFloat32).clone().requires_grad_(true);
    s_->param.mutable_grad() = torch::from_blob(const_cast<float*>(grad.data()), {n}, torch::kFloat32).clone();
    s_->optimizer = std::make_unique<torch::optim::Adam>(std::vector<torch::Tensor>{s_->param},
                                                         torch::optim::AdamOptions(lr));
}

torch_adam::~torch_adam() = default;

void torch_adam::step() {
    s_->optimizer->step();
}

std::vector<float> torch_adam::param() const {
    const torch::Tensor p = s_->param.detach().contiguous();
    return std::vector<float>(p.data_ptr<float>(), p.data_ptr<float>() + p.numel());
}

}  // namespace bench
