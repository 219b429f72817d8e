#pragma once
/// \file
/// Stochastic gradient descent, as torch.optim.SGD (PyTorch 1.13, its single-tensor
/// implementation) computes it, with its options and defaults. For each parameter p and its
/// gradient g, in p's precision:
///
///     d = maximize ? −g : g
///     d = d + weight_decay·p                      (if weight_decay ≠ 0)
///     b = d at the first step, else momentum·b + (1 − dampening)·d     (if momentum ≠ 0)
///     d = nesterov ? d + momentum·b : b            (if momentum ≠ 0)
///     p = p − lr·d

#include <array>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <limits>
#include <span>
#include <vector>

#include "ctgrad/optim/common.hpp"

namespace ctgrad::optim {

/// torch.optim.SGD's arguments, with its defaults. `lr` has none (torch.optim.SGD(params, lr)
/// requires it): leaving it out is an error at construction.
struct sgd_options {
    double lr = std::numeric_limits<double>::quiet_NaN();
    double momentum = 0;
    double dampening = 0;
    double weight_decay = 0;
    bool nesterov = false;
    bool maximize = false;
};

/// User-owned state of one parameter: its momentum buffer (as many elements as the parameter;
/// unused, and may be empty, when momentum is 0).
template <class T>
struct sgd_state {
    std::span<T> momentum_buffer;
};

namespace detail {
/// torch.optim.SGD's checks of its arguments, with its messages.
inline void check_options(const sgd_options& o) {
    if (std::isnan(o.lr))
        invalid_option("ctgrad::optim::sgd: lr is required (torch.optim.SGD has no default learning rate)");
    if (o.lr < 0)
        invalid_option("ctgrad::optim::sgd: Invalid learning rate (lr < 0)");
    if (o.momentum < 0)
        invalid_option("ctgrad::optim::sgd: Invalid momentum value (momentum < 0)");
    if (o.weight_decay < 0)
        invalid_option("ctgrad::optim::sgd: Invalid weight_decay value (weight_decay < 0)");
    if (o.nesterov && (o.momentum <= 0 || o.dampening != 0))
        invalid_option("ctgrad::optim::sgd: Nesterov momentum requires a momentum and zero dampening");
}
}  // namespace detail

inline namespace CTGRAD_ISA_NAMESPACE {  // the update loops are compiled per instruction set

/// torch.optim.SGD over a fixed list of parameter buffers of T (float or double):
///
///     ctgrad::optim::sgd<float> opt({w.size(), b.size()}, {.lr = 0.1, .momentum = 0.9});
///     opt.step({w, b}, {dw, db});   // after each gradient evaluation; no zero_grad needed
///
/// The momentum buffers are allocated once, at construction (or are the user's: the
/// constructor from sgd_state spans); a step allocates nothing.
template <class T>
class sgd : public detail::optimizer_base<sgd<T>, T, 1> {
    using base = detail::optimizer_base<sgd<T>, T, 1>;
    friend base;

public:
    /// Parameters of the given sizes; the optimizer owns their momentum buffers.
    sgd(std::span<const std::size_t> sizes, sgd_options options)
        : base(detail::state_store<T, 1>(sizes, options.momentum != 0 ? 1 : 0)), options_(checked(options)) {}
    sgd(std::initializer_list<std::size_t> sizes, sgd_options options)
        : sgd(std::span<const std::size_t>(sizes.begin(), sizes.size()), options) {}

    /// Parameters whose momentum buffers are the user's (state[i].momentum_buffer, as many
    /// elements as parameter i; its values are read from the second step on, or from the
    /// first after set_steps(n > 0)).
    sgd(std::span<const sgd_state<T>> state, sgd_options options) : base(adopt(state)), options_(checked(options)) {}
    sgd(std::initializer_list<sgd_state<T>> state, sgd_options options)
        : sgd(std::span<const sgd_state<T>>(state.begin(), state.size()), options) {}

    const sgd_options& options() const { return options_; }

    /// Parameter i's state (an empty momentum buffer when momentum is 0).
    sgd_state<T> state(std::size_t i) const {
        const std::size_t n = options_.momentum != 0 ? this->state_.sizes()[i] : 0;
        return {std::span<T>(n ? this->state_.buffer(i, 0) : nullptr, n)};
    }

private:
    static sgd_options checked(const sgd_options& o) {
        detail::check_options(o);
        return o;
    }

    static detail::state_store<T, 1> adopt(std::span<const sgd_state<T>> state) {
        std::vector<std::size_t> sizes;
        std::vector<std::array<T*, 1>> buffers;
        sizes.reserve(state.size());
        buffers.reserve(state.size());
        for (std::size_t i = 0; i < state.size(); ++i) {
            const auto& b = state[i].momentum_buffer;
            detail::check_buffer(detail::role::momentum_buffer, i, b.data(), b.size(), b.size());
            sizes.push_back(b.size());
            buffers.push_back({b.data()});
        }
        return detail::state_store<T, 1>(std::move(sizes), std::move(buffers));
    }

    void update(std::span<const std::span<T>> params, std::span<const std::span<const T>> grads) {
        const sgd_options& o = options_;
        const bool momentum = o.momentum != 0;
        // One loop per combination of the options (Nesterov and the first step only with
        // momentum: 10 loops, not 16).
        detail::with_flags(
            [&](auto has_momentum, auto nesterov, auto decay, auto first) {
                if constexpr (has_momentum() || (!nesterov() && !first())) {
                    for (std::size_t i = 0; i < params.size(); ++i)
                        update_one<has_momentum(), nesterov(), decay(), first()>(
                            params[i].data(), grads[i].data(), has_momentum() ? this->state_.buffer(i, 0) : nullptr,
                            params[i].size());
                }
            },
            momentum, momentum && o.nesterov, o.weight_decay != 0, momentum && this->steps_ == 1);
    }

    template <bool Momentum, bool Nesterov, bool Decay, bool First>
    void update_one(T* p, const T* g, T* buf, std::size_t n) const {
        using V = lowering::vec<T>;
        // torch's scalars are Python floats (doubles), converted to T by each kernel; maximize
        // negates the gradient, exactly: a multiplication by −1.
        const V sign = lowering::vsplat<V>(static_cast<T>(options_.maximize ? -1 : 1));
        const V neg_lr = lowering::vsplat<V>(static_cast<T>(-options_.lr));
        const V mu = lowering::vsplat<V>(static_cast<T>(options_.momentum));
        const V keep = lowering::vsplat<V>(static_cast<T>(1 - options_.dampening));
        const V wd = lowering::vsplat<V>(static_cast<T>(options_.weight_decay));
        detail::for_each_vector<T>(n, [&](std::size_t i, auto load, auto store) {
            V d = load(g + i) * sign;
            const V param = load(p + i);
            if constexpr (Decay)
                d = detail::mul_add(param, wd, d);  // d.add(param, alpha=weight_decay)
            if constexpr (Momentum) {
                V b;
                if constexpr (First)
                    b = d;  // torch.clone(d_p)
                else
                    b = detail::mul_add(d, keep, V(load(buf + i) * mu));  // buf.mul_(μ).add_(d, 1−τ)
                store(buf + i, b);
                if constexpr (Nesterov)
                    d = detail::mul_add(b, mu, d);  // d_p.add(buf, alpha=momentum)
                else
                    d = b;
            }
            store(p + i, detail::mul_add(d, neg_lr, param));  // param.add_(d_p, alpha=-lr)
        });
    }

    sgd_options options_;
};

}  // namespace CTGRAD_ISA_NAMESPACE
}  // namespace ctgrad::optim
