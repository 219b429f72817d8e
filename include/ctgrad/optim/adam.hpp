#pragma once
/// \file
/// Adam and AdamW, as torch.optim.Adam and torch.optim.AdamW (PyTorch 1.13, their
/// single-tensor implementations) compute them, with their options and defaults. At step t,
/// for each parameter p and its gradient g, in p's precision:
///
///     g = maximize ? −g : g
///     Adam:  g = g + weight_decay·p             (if weight_decay ≠ 0)
///     AdamW: p = p·(1 − lr·weight_decay)        (decoupled decay, first)
///     m = β1·m + (1 − β1)·g
///     v = β2·v + (1 − β2)·g·g
///     v̂ = amsgrad ? (v_max = max(v_max, v)) : v
///     denom = √v̂ / √(1 − β2^t) + eps
///     p = p + (−lr / (1 − β1^t))·m / denom
///
/// The scalars (bias corrections, step size) are computed in double, as torch computes them in
/// Python, then rounded to T.

#include <array>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <span>
#include <vector>

#include "ctgrad/optim/common.hpp"

namespace ctgrad::optim {

/// torch.optim.Adam's arguments, with its defaults.
struct adam_options {
    double lr = 1e-3;
    std::array<double, 2> betas = {0.9, 0.999};
    double eps = 1e-8;
    double weight_decay = 0;
    bool amsgrad = false;
    bool maximize = false;
};

/// torch.optim.AdamW's arguments, with its defaults (weight_decay 1e-2, decoupled).
struct adamw_options {
    double lr = 1e-3;
    std::array<double, 2> betas = {0.9, 0.999};
    double eps = 1e-8;
    double weight_decay = 1e-2;
    bool amsgrad = false;
    bool maximize = false;
};

/// User-owned state of one parameter: torch's exp_avg, exp_avg_sq and, with amsgrad,
/// max_exp_avg_sq (each as many elements as the parameter; max_exp_avg_sq may be empty without
/// amsgrad). Zero them before the first step, as torch does.
template <class T>
struct adam_state {
    std::span<T> exp_avg;
    std::span<T> exp_avg_sq;
    std::span<T> max_exp_avg_sq;
};

namespace detail {
/// torch.optim.Adam's (and AdamW's) checks of its arguments, with its messages.
template <class Options>
inline Options checked_adam_options(const Options& o) {
    if (!(o.lr >= 0))
        invalid_option("ctgrad::optim::adam: Invalid learning rate (lr < 0)");
    if (!(o.eps >= 0))
        invalid_option("ctgrad::optim::adam: Invalid epsilon value (eps < 0)");
    if (!(o.betas[0] >= 0 && o.betas[0] < 1))
        invalid_option("ctgrad::optim::adam: Invalid beta parameter at index 0 (not in [0, 1))");
    if (!(o.betas[1] >= 0 && o.betas[1] < 1))
        invalid_option("ctgrad::optim::adam: Invalid beta parameter at index 1 (not in [0, 1))");
    if (!(o.weight_decay >= 0))
        invalid_option("ctgrad::optim::adam: Invalid weight_decay value (weight_decay < 0)");
    return o;
}
}  // namespace detail

namespace detail {
inline namespace CTGRAD_ISA_NAMESPACE {  // the update loops are compiled per instruction set

/// Adam (Decoupled = false) or AdamW (true), over a fixed list of parameter buffers of T.
template <class T, bool Decoupled>
class adam_impl : public optim::detail::optimizer_base<adam_impl<T, Decoupled>, T, 3> {
    using base = optim::detail::optimizer_base<adam_impl<T, Decoupled>, T, 3>;
    friend base;

public:
    using options_type = std::conditional_t<Decoupled, adamw_options, adam_options>;

    /// Parameters of the given sizes; the optimizer owns their state (zeroed).
    adam_impl(std::span<const std::size_t> sizes, options_type options)
        : base(optim::detail::state_store<T, 3>(sizes, options.amsgrad ? 3 : 2)),
          options_(optim::detail::checked_adam_options(options)) {}
    adam_impl(std::initializer_list<std::size_t> sizes, options_type options)
        : adam_impl(std::span<const std::size_t>(sizes.begin(), sizes.size()), options) {}

    /// Parameters whose state is the user's buffers (state[i], as many elements as parameter
    /// i; max_exp_avg_sq only with amsgrad).
    adam_impl(std::span<const adam_state<T>> state, options_type options)
        : base(adopt(state, options.amsgrad)), options_(optim::detail::checked_adam_options(options)) {}
    adam_impl(std::initializer_list<adam_state<T>> state, options_type options)
        : adam_impl(std::span<const adam_state<T>>(state.begin(), state.size()), options) {}

    const options_type& options() const { return options_; }

    /// Parameter i's state (max_exp_avg_sq empty without amsgrad).
    adam_state<T> state(std::size_t i) const {
        const std::size_t n = this->state_.sizes()[i];
        auto span = [&](std::size_t k, bool live) {
            return live && n ? std::span<T>(this->state_.buffer(i, k), n) : std::span<T>();
        };
        return {span(0, true), span(1, true), span(2, options_.amsgrad)};
    }

private:
    static optim::detail::state_store<T, 3> adopt(std::span<const adam_state<T>> state, bool amsgrad) {
        using optim::detail::check_buffer;
        using optim::detail::role;
        std::vector<std::size_t> sizes;
        std::vector<std::array<T*, 3>> buffers;
        sizes.reserve(state.size());
        buffers.reserve(state.size());
        for (std::size_t i = 0; i < state.size(); ++i) {
            const adam_state<T>& s = state[i];
            const std::size_t n = s.exp_avg.size();
            check_buffer(role::exp_avg, i, s.exp_avg.data(), n, n);
            check_buffer(role::exp_avg_sq, i, s.exp_avg_sq.data(), s.exp_avg_sq.size(), n);
            if (amsgrad)
                check_buffer(role::max_exp_avg_sq, i, s.max_exp_avg_sq.data(), s.max_exp_avg_sq.size(), n);
            sizes.push_back(n);
            buffers.push_back({s.exp_avg.data(), s.exp_avg_sq.data(), amsgrad ? s.max_exp_avg_sq.data() : nullptr});
        }
        return optim::detail::state_store<T, 3>(std::move(sizes), std::move(buffers));
    }

    /// The step's scalars, rounded to T as torch's kernels receive them.
    struct scalars {
        T beta1, one_minus_beta1, beta2, one_minus_beta2, weight_decay, decay_factor, bias_correction2_sqrt, eps,
            neg_step_size, sign;
    };

    void update(std::span<const std::span<T>> params, std::span<const std::span<const T>> grads) {
        const options_type& o = options_;
        const double t = static_cast<double>(this->steps_);
        const double b1 = o.betas[0], b2 = o.betas[1];
        const double bias_correction1 = 1 - std::pow(b1, t);
        const double bias_correction2 = 1 - std::pow(b2, t);
        const double step_size = o.lr / bias_correction1;
        const scalars s{static_cast<T>(b1),
                        static_cast<T>(1 - b1),
                        static_cast<T>(b2),
                        static_cast<T>(1 - b2),
                        static_cast<T>(o.weight_decay),
                        static_cast<T>(1 - o.lr * o.weight_decay),
                        static_cast<T>(std::sqrt(bias_correction2)),
                        static_cast<T>(o.eps),
                        static_cast<T>(-step_size),
                        static_cast<T>(o.maximize ? -1 : 1)};
        // Adam skips a zero weight decay; AdamW always multiplies, by exactly 1 when it is 0.
        const bool decay = Decoupled ? s.decay_factor != T(1) : o.weight_decay != 0;
        optim::detail::with_flags(
            [&](auto amsgrad, auto has_decay) {
                for (std::size_t i = 0; i < params.size(); ++i)
                    update_one<amsgrad(), has_decay()>(s, params[i].data(), grads[i].data(),
                                                       this->state_.buffer(i, 0), this->state_.buffer(i, 1),
                                                       amsgrad() ? this->state_.buffer(i, 2) : nullptr,
                                                       params[i].size());
            },
            o.amsgrad, decay);
    }

    template <bool Amsgrad, bool Decay>
    static void update_one(const scalars& s, T* p, const T* g, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq,
                           std::size_t n) {
        using V = lowering::vec<T>;
        using lowering::vsplat;
        namespace od = optim::detail;
        const V beta1 = vsplat<V>(s.beta1), one_minus_beta1 = vsplat<V>(s.one_minus_beta1);
        const V beta2 = vsplat<V>(s.beta2), one_minus_beta2 = vsplat<V>(s.one_minus_beta2);
        const V wd = vsplat<V>(s.weight_decay), decay_factor = vsplat<V>(s.decay_factor);
        const V bc2_sqrt = vsplat<V>(s.bias_correction2_sqrt), eps = vsplat<V>(s.eps);
        const V neg_step_size = vsplat<V>(s.neg_step_size), sign = vsplat<V>(s.sign);
        od::for_each_vector<T>(n, [&](std::size_t i, auto load, auto store) {
            V grad = load(g + i) * sign;  // maximize: −grad, exactly
            V param = load(p + i);
            if constexpr (Decay) {
                if constexpr (Decoupled)
                    param = od::rounded(V(param * decay_factor));  // param.mul_(1 - lr*wd), stored
                else
                    grad = od::mul_add(param, wd, grad);  // grad.add(param, alpha=wd)
            }
            // exp_avg.mul_(β1).add_(grad, alpha=1−β1)
            const V m = od::mul_add(grad, one_minus_beta1, V(load(exp_avg + i) * beta1));
            store(exp_avg + i, m);
            // exp_avg_sq.mul_(β2).addcmul_(grad, grad, value=1−β2): self + (value·t1)·t2
            V v = od::mul_add(V(one_minus_beta2 * grad), grad, V(load(exp_avg_sq + i) * beta2));
            store(exp_avg_sq + i, v);
            if constexpr (Amsgrad) {
                v = od::vmaximum(load(max_exp_avg_sq + i), v);  // torch.maximum(max_exp_avg_sq, exp_avg_sq)
                store(max_exp_avg_sq + i, v);
            }
            const V denom = od::vsqrt(v) / bc2_sqrt + eps;  // (v.sqrt() / bc2_sqrt).add_(eps)
            // param.addcdiv_(exp_avg, denom, value=-step_size): self + (value·t1) / t2
            store(p + i, V(param + V(neg_step_size * m) / denom));
        });
    }

    options_type options_;
};

}  // namespace CTGRAD_ISA_NAMESPACE
}  // namespace detail

inline namespace CTGRAD_ISA_NAMESPACE {

/// torch.optim.Adam over a fixed list of parameter buffers of T (float or double):
///
///     ctgrad::optim::adam<float> opt({w.size(), b.size()}, {.lr = 1e-3});
///     opt.step({w, b}, {dw, db});
///
/// The state (exp_avg, exp_avg_sq, max_exp_avg_sq) is allocated once, at construction, or is
/// the user's (the constructor from adam_state spans); a step allocates nothing.
template <class T>
using adam = detail::adam_impl<T, false>;

/// torch.optim.AdamW: Adam with the weight decay decoupled, applied to the parameters first.
template <class T>
using adamw = detail::adam_impl<T, true>;

}  // namespace CTGRAD_ISA_NAMESPACE
}  // namespace ctgrad::optim
