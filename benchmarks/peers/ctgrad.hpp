#pragma once
// Peer 1: ctgrad. The model is written as a user of a compile-time library writes it: static
// feature and output axes (one instantiation per benchmarked N, K), a dynamic batch, and
// value_and_grad(E, wrt(w, b)), one fused SIMD pass for the loss and both gradients.
//
// The program object is made once, in the constructor (it is an empty object: making it
// costs nothing at run time anyway). The bindings are made inside run(), i.e. inside the
// timing loop, as a training loop over changing batches would make them; their run-time
// checks (lengths, extents, aliasing) are part of every timed call.

#include <cstddef>
#include <ctgrad/ctgrad.hpp>
#include <ctgrad/api/shards.hpp>
#include <optional>
#include <span>
#include <tuple>

#include "../problem.hpp"

namespace bench {

namespace ctgrad_literals {
using namespace ctgrad::literals;
inline constexpr auto half = 0.5_c;  // the exact constant ½
}  // namespace ctgrad_literals

template <class T, std::size_t N, std::size_t K>
class ctgrad_peer {
    static constexpr ctgrad::axis<"n", N> n{};
    static constexpr ctgrad::axis<"k", K> k{};
    static constexpr auto x = ctgrad::input<"x">(ctgrad::batch, n);
    static constexpr auto t = ctgrad::input<"t">(ctgrad::batch, k);
    static constexpr auto w = ctgrad::parameter<"w">(k, n);
    static constexpr auto b = ctgrad::parameter<"b">(k);
    static constexpr auto o = ctgrad::sigmoid(ctgrad::matmul(x, ctgrad::transpose(w)) + b);
    static constexpr auto E = ctgrad_literals::half * ctgrad::sum(ctgrad::pow<2>(o - t));

public:
    explicit ctgrad_peer(const problem<T>& p) : p_(p) {}

    void run(result<T>& r) const {
        auto [loss, dw, db] = step_(ctgrad::bind(x, std::span<const T>(p_.x)), ctgrad::bind(t, std::span<const T>(p_.t)),
                                    ctgrad::bind(w, std::span<const T>(p_.w)), ctgrad::bind(b, std::span<const T>(p_.b)),
                                    std::span<T>(r.dw), std::span<T>(r.db));
        r.loss = loss;
    }

    using step_type = decltype(ctgrad::value_and_grad(E, ctgrad::wrt(w, b)));
    using sharded_type = ctgrad::sharded_call<step_type, T>;

    /// The prepared call split into shards (the default layout): ctgrad_threads.hpp.
    sharded_type prepare_shards(result<T>& r) const { return sharded_type(prepare(r)); }

    /// The same program prepared for one result's buffers (`step.prepare(...)`): validated
    /// once, then each call runs the pass alone.
    auto prepare(result<T>& r) const {
        return step_.prepare(ctgrad::bind(x, std::span<const T>(p_.x)), ctgrad::bind(t, std::span<const T>(p_.t)),
                             ctgrad::bind(w, std::span<const T>(p_.w)), ctgrad::bind(b, std::span<const T>(p_.b)),
                             std::span<T>(r.dw), std::span<T>(r.db));
    }

private:
    const problem<T>& p_;
    step_type step_ = ctgrad::value_and_grad(E, ctgrad::wrt(w, b));
};

/// Peer 1b: ctgrad with the call prepared once (`step.prepare(...)`), as code that calls the
/// gradient again and again on the same buffers writes it: the data is checked when the call
/// is prepared (first use of a result, outside the timing loop), not on every call.
template <class T, std::size_t N, std::size_t K>
class ctgrad_prepared_peer {
public:
    explicit ctgrad_prepared_peer(const problem<T>& p) : plain_(p) {}

    void run(result<T>& r) {
        if (prepared_for_ != &r) {  // buffers never seen: prepare once for them
            call_.emplace(plain_.prepare(r));
            prepared_for_ = &r;
        }
        r.loss = std::get<0>((*call_)());
    }

private:
    ctgrad_peer<T, N, K> plain_;
    std::optional<typename ctgrad_peer<T, N, K>::step_type::template prepared<T>> call_;
    const result<T>* prepared_for_ = nullptr;
};

}  // namespace bench
