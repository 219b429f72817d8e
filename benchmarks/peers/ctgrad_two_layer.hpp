#pragma once
// Peer 1 on the two-layer problem: ctgrad, written as a user writes the model: static feature,
// hidden and output axes (one instantiation per benchmarked N, H, K), a dynamic batch, and
// value_and_grad(E, wrt(w1, b1, w2, b2)) for the loss and the four gradients.
//
// As in ctgrad.hpp, the program is made once and the six bindings inside run(), so that their
// run-time checks are timed with every call. ctgrad lowers it with its staged pass
// (include/ctgrad/lower/executor.hpp): one visit per tile of rows, forward and backward.

#include <cstddef>
#include <ctgrad/ctgrad.hpp>
#include <ctgrad/api/shards.hpp>
#include <span>

#include "../two_layer_problem.hpp"
#include "ctgrad.hpp"  // ctgrad_literals::half

namespace bench {

template <class T, std::size_t N, std::size_t H, std::size_t K>
class ctgrad_two_layer {
    static constexpr ctgrad::axis<"n", N> n{};
    static constexpr ctgrad::axis<"h", H> hid{};
    static constexpr ctgrad::axis<"k", K> k{};
    static constexpr auto x = ctgrad::input<"x">(ctgrad::batch, n);
    static constexpr auto t = ctgrad::input<"t">(ctgrad::batch, k);
    static constexpr auto w1 = ctgrad::parameter<"w1">(hid, n);
    static constexpr auto b1 = ctgrad::parameter<"b1">(hid);
    static constexpr auto w2 = ctgrad::parameter<"w2">(k, hid);
    static constexpr auto b2 = ctgrad::parameter<"b2">(k);
    static constexpr auto h = ctgrad::sigmoid(ctgrad::matmul(x, ctgrad::transpose(w1)) + b1);
    static constexpr auto o = ctgrad::sigmoid(ctgrad::matmul(h, ctgrad::transpose(w2)) + b2);
    static constexpr auto E = ctgrad_literals::half * ctgrad::sum(ctgrad::pow<2>(o - t));

public:
    explicit ctgrad_two_layer(const two_layer_problem<T>& p) : p_(p) {}

    void run(two_layer_result<T>& r) const {
        using in = std::span<const T>;
        auto [loss, dw1, db1, dw2, db2] =
            step_(ctgrad::bind(x, in(p_.x)), ctgrad::bind(t, in(p_.t)), ctgrad::bind(w1, in(p_.w1)),
                  ctgrad::bind(b1, in(p_.b1)), ctgrad::bind(w2, in(p_.w2)), ctgrad::bind(b2, in(p_.b2)),
                  std::span<T>(r.dw1), std::span<T>(r.db1), std::span<T>(r.dw2), std::span<T>(r.db2));
        r.loss = loss;
    }

    using step_type = decltype(ctgrad::value_and_grad(E, ctgrad::wrt(w1, b1, w2, b2)));
    using sharded_type = ctgrad::sharded_call<step_type, T>;

    /// The call prepared once for one result's buffers, split into shards (the default layout).
    sharded_type prepare_shards(two_layer_result<T>& r) const {
        using in = std::span<const T>;
        return sharded_type(step_.prepare(ctgrad::bind(x, in(p_.x)), ctgrad::bind(t, in(p_.t)), ctgrad::bind(w1, in(p_.w1)),
                                          ctgrad::bind(b1, in(p_.b1)), ctgrad::bind(w2, in(p_.w2)),
                                          ctgrad::bind(b2, in(p_.b2)), std::span<T>(r.dw1), std::span<T>(r.db1),
                                          std::span<T>(r.dw2), std::span<T>(r.db2)));
    }

private:
    const two_layer_problem<T>& p_;
    step_type step_ = ctgrad::value_and_grad(E, ctgrad::wrt(w1, b1, w2, b2));
};

}  // namespace bench
