#pragma once
/// \file
/// What the optimizers share (optim/sgd.hpp, optim/adam.hpp): the checks of the buffers a step
/// is given, the per-parameter state (owned by the optimizer, allocated once, or the user's
/// buffers), and the SIMD loop over a buffer with its partial last vector.
///
/// The updates follow torch.optim's single-tensor ("for-loop") implementations operation by
/// operation, in the precision of the parameters. Where torch's CPU kernels fuse a multiply and
/// an add (`add(x, alpha=a)`, `addcmul`: Vectorized::fmadd, and the compiler's contraction of
/// their scalar tails), so do these, when the translation unit is compiled with an FMA
/// instruction set (-mfma, -mavx512f, -march=native on such a machine); without one, torch's
/// kernels for that instruction set do not fuse either, and neither does ctgrad. Everything else
/// (`mul_`, `sqrt`, the division of `addcdiv`) is rounded on its own, as torch rounds it.

#include <array>
#include <cmath>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ctgrad/detail/errors.hpp"
#include "ctgrad/api/status.hpp"
#include "ctgrad/lower/simd.hpp"

namespace ctgrad::optim::detail {

/// Which list a buffer of a step belongs to, for the messages of size errors.
enum class role : unsigned { params, grads, momentum_buffer, exp_avg, exp_avg_sq, max_exp_avg_sq };

inline constexpr std::size_t named_indices = 64;

/// "grads[3]": the name of buffer i of a list, as errors report it (a string with static
/// storage, since `status` holds a string_view). Indices from 64 on are reported as "grads[64+]".
inline std::string_view buffer_name(role r, std::size_t i) {
    struct entry {
        char text[32];
        std::size_t size;
    };
    static constexpr std::string_view roles[] = {"params", "grads", "momentum_buffer",
                                                 "exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
    constexpr std::size_t R = std::size(roles), N = named_indices + 1;
    static constexpr auto table = [] {
        std::array<std::array<entry, N>, R> t{};
        for (std::size_t k = 0; k < R; ++k) {
            for (std::size_t n = 0; n < N; ++n) {
                entry& e = t[k][n];
                std::size_t s = 0;
                for (char c : roles[k])
                    e.text[s++] = c;
                e.text[s++] = '[';
                if (n >= 10)
                    e.text[s++] = static_cast<char>('0' + n / 10);
                e.text[s++] = static_cast<char>('0' + n % 10);
                if (n == named_indices)
                    e.text[s++] = '+';
                e.text[s++] = ']';
                e.size = s;
            }
        }
        return t;
    }();
    const entry& e = table[static_cast<std::size_t>(r)][i < named_indices ? i : named_indices];
    return {e.text, e.size};
}

/// The name of a whole list, for a list of the wrong number of buffers.
inline std::string_view list_name(role r) {
    static constexpr std::string_view names[] = {"params (the number of buffers)", "grads (the number of buffers)",
                                                 "momentum_buffer (the number of buffers)"};
    return names[static_cast<std::size_t>(r) < std::size(names) ? static_cast<std::size_t>(r) : 0];
}

[[noreturn]] inline void fail(errc code, std::string_view name, std::size_t expected, std::size_t actual) {
    status s;
    s.code = code;
    s.variable = name;
    s.expected = expected;
    s.actual = actual;
    ctgrad::detail::throw_or_abort<evaluation_error>(s);
}

/// Buffer i of list r must hold `expected` elements, at a non-null address unless empty.
inline void check_buffer(role r, std::size_t i, const void* data, std::size_t size, std::size_t expected) {
    if (size != expected)
        fail(errc::size_mismatch, buffer_name(r, i), expected, size);
    if (data == nullptr && size != 0)
        fail(errc::null_data, buffer_name(r, i), 0, size);
}

/// A list of r must hold one buffer per parameter.
inline void check_count(role r, std::size_t expected, std::size_t actual) {
    if (actual != expected)
        fail(errc::size_mismatch, list_name(r), expected, actual);
}

/// A hyper-parameter outside torch's range: std::invalid_argument with torch's message.
[[noreturn]] inline void invalid_option(const char* message) {
    ctgrad::detail::throw_or_abort<std::invalid_argument>(message);
}

/// The state of K buffers per parameter (K = 1 for SGD's momentum, 3 for Adam's moments), of
/// which the first `used` are live: either in one allocation of the optimizer, made once at
/// construction, or in the user's buffers. A copy of an optimizer that owns its state owns a
/// copy; a copy of one on the user's buffers updates the same buffers.
template <class T, std::size_t K>
class state_store {
public:
    state_store() = default;

    /// Owned: `used` buffers of sizes[i] elements for each parameter i, zeroed.
    state_store(std::span<const std::size_t> sizes, std::size_t used) : sizes_(sizes.begin(), sizes.end()) {
        std::size_t total = 0;
        for (std::size_t s : sizes_)
            total += s * used;
        storage_.assign(total, T(0));
        buffers_.resize(sizes_.size());
        T* next = storage_.data();
        for (std::size_t i = 0; i < sizes_.size(); ++i) {
            for (std::size_t k = 0; k < used; ++k) {
                buffers_[i][k] = next;
                next += sizes_[i];
            }
        }
    }

    /// The user's: parameter i's buffer k is buffers[i][k] (sizes[i] elements each, checked by the caller).
    state_store(std::vector<std::size_t> sizes, std::vector<std::array<T*, K>> buffers)
        : sizes_(std::move(sizes)), buffers_(std::move(buffers)) {}

    state_store(const state_store& o) : storage_(o.storage_), sizes_(o.sizes_), buffers_(o.buffers_) { rebase(o); }
    state_store& operator=(const state_store& o) {
        if (this != &o) {
            storage_ = o.storage_;
            sizes_ = o.sizes_;
            buffers_ = o.buffers_;
            rebase(o);
        }
        return *this;
    }
    state_store(state_store&&) noexcept = default;  // a moved vector keeps its buffer
    state_store& operator=(state_store&&) noexcept = default;

    std::size_t count() const { return sizes_.size(); }
    std::span<const std::size_t> sizes() const { return sizes_; }
    T* buffer(std::size_t i, std::size_t k) const { return buffers_[i][k]; }

private:
    /// Points the copied pointers that pointed into o's allocation into ours.
    void rebase(const state_store& o) {
        const T* begin = o.storage_.data();
        const T* end = begin + o.storage_.size();
        for (auto& per_parameter : buffers_)
            for (T*& p : per_parameter)
                if (p != nullptr && std::less_equal<const T*>()(begin, p) && std::less<const T*>()(p, end))
                    p = storage_.data() + (p - begin);
    }

    std::vector<T> storage_;
    std::vector<std::size_t> sizes_;
    std::vector<std::array<T*, K>> buffers_;
};

/// Calls f(std::bool_constant<b>...) for the run-time flags b...: a loop specialised for each
/// combination of its options, with no test of them per element.
template <class F>
decltype(auto) with_flags(F&& f) {
    return f();
}
template <class F, class... B>
decltype(auto) with_flags(F&& f, bool first, B... rest) {
    if (first)
        return with_flags([&](auto... c) { return f(std::true_type{}, c...); }, rest...);
    return with_flags([&](auto... c) { return f(std::false_type{}, c...); }, rest...);
}

}  // namespace ctgrad::optim::detail

namespace ctgrad::optim::detail {
inline namespace CTGRAD_ISA_NAMESPACE {  // the loops are compiled per instruction set

using lowering::vec;

/// a·b + c rounded once where torch's kernels fuse it (an FMA instruction set), else a·b
/// rounded, then + c.
template <class V>
inline V mul_add(const V& a, const V& b, const V& c) {
#if defined(__FMA__) || defined(__AVX512F__)
#ifdef CTGRAD_SCALAR
    return std::fma(a, b, c);
#else
    if constexpr (std::is_arithmetic_v<V>) {
        return std::fma(a, b, c);
    } else {
#if defined(__AVX512F__)
        // xsimd 8.1's avx512f architecture has no fma of its own: its generic fallback is
        // x·y + z, which g++ contracts in some places and clang in none.
        if constexpr (sizeof(V) == 64) {
            if constexpr (std::is_same_v<lowering::scalar_t<V>, float>)
                return V(_mm512_fmadd_ps(a, b, c));
            else
                return V(_mm512_fmadd_pd(a, b, c));
        }
#endif
        return xsimd::fma(a, b, c);
    }
#endif
#else
    V p = a * b;
    return p + c;
#endif
}

/// v, opaque to the optimizer: a product stored by one of torch's operations and read by the
/// next must be rounded, not contracted into an FMA with what follows (g++ contracts across
/// statements at -ffp-contract=fast, its default).
template <class V>
inline V rounded(V v) {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    if constexpr (std::is_arithmetic_v<V>)
        asm("" : "+x"(v));
    else
        lowering::detail::vpin(v);
#endif
    return v;
}

template <class V>
inline V vsqrt(const V& v) {
#ifdef CTGRAD_SCALAR
    return std::sqrt(v);
#else
    if constexpr (std::is_arithmetic_v<V>)
        return std::sqrt(v);
    else
        return xsimd::sqrt(v);
#endif
}

/// torch.maximum(a, b): the larger, or NaN if either is NaN.
template <class V>
inline V vmaximum(const V& a, const V& b) {
    const V larger = lowering::vselect(a < b, b, a);  // a NaN a stays
    // A NaN b wins. (b == b, not b != b: SIMD != is an ordered comparison, false for NaN.)
    return lowering::vselect(b == b, larger, b);
}

/// Calls body(i, load, store) for each vector of n elements: full vectors, then the partial
/// last one, whose loads read and whose stores write only its n − i elements.
template <class T, class Body>
inline void for_each_vector(std::size_t n, Body&& body) {
    using V = vec<T>;
    constexpr std::size_t W = lowering::width<T>;
    std::size_t i = 0;
    for (; i + W <= n; i += W)
        body(
            i, [](const T* p) { return lowering::vload<V>(p); }, [](T* p, const V& v) { lowering::vstore(p, v); });
    if (i < n) {
        const std::size_t r = n - i;
        body(
            i, [r](const T* p) { return lowering::detail::vload_partial<V>(p, r); },
            [r](T* p, const V& v) { lowering::detail::vstore_partial(p, v, r); });
    }
}


/// The members every optimizer has: step over one buffer or a list, the step count, the sizes.
/// Derived::update(params, grads) applies one step to buffers already checked.
template <class Derived, class T, std::size_t K>
class optimizer_base {
public:
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "ctgrad: optimizers update float or double");
    using value_type = T;

    /// One step: params[i] -= ... from grads[i], for every parameter, in place. Every buffer is
    /// checked (count, sizes, null data) before anything is written.
    void step(std::span<const std::span<T>> params, std::span<const std::span<const T>> grads) {
        check_count(role::params, state_.count(), params.size());
        check_count(role::grads, state_.count(), grads.size());
        const auto sizes = state_.sizes();
        for (std::size_t i = 0; i < sizes.size(); ++i) {
            check_buffer(role::params, i, params[i].data(), params[i].size(), sizes[i]);
            check_buffer(role::grads, i, grads[i].data(), grads[i].size(), sizes[i]);
        }
        ++steps_;
        static_cast<Derived*>(this)->update(params, grads);
    }
    void step(std::initializer_list<std::span<T>> params, std::initializer_list<std::span<const T>> grads) {
        step(std::span<const std::span<T>>(params.begin(), params.size()),
             std::span<const std::span<const T>>(grads.begin(), grads.size()));
    }
    /// One step of an optimizer of one parameter buffer.
    void step(std::span<T> param, std::span<const T> grad) { step({param}, {grad}); }

    /// The number of steps taken (torch's state["step"]); the next step is steps() + 1.
    std::int64_t steps() const { return steps_; }
    /// Resumes after n steps (with state restored into the buffers of state()).
    void set_steps(std::int64_t n) {
        if (n < 0)
            invalid_option("ctgrad::optim: the number of steps taken cannot be negative");
        steps_ = n;
    }
    /// Each parameter's number of elements, as given at construction.
    std::span<const std::size_t> sizes() const { return state_.sizes(); }

protected:
    optimizer_base() = default;
    explicit optimizer_base(state_store<T, K> state) : state_(std::move(state)) {}

    state_store<T, K> state_;
    std::int64_t steps_ = 0;
};

}  // namespace CTGRAD_ISA_NAMESPACE
}  // namespace ctgrad::optim::detail
