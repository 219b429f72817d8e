#pragma once
// Peer 5: the memory floor. One SIMD pass (xsimd, the translation unit's instruction set) that
// only reads X and sums it: no algorithm that must read X once can be faster than this, so
// "ctgrad ÷ floor" says how close the fused pass comes to the bandwidth bound. It produces no
// gradients and is left out of the cross-check; run() writes the sum into the loss.

#include <cstddef>
#include <xsimd/xsimd.hpp>

#include "../problem.hpp"

namespace bench {

template <class T>
class memory_floor {
public:
    explicit memory_floor(const problem<T>& p) : p_(p) {}

    void run(result<T>& r) const { r.loss = sum(p_.x.data(), p_.x.size()); }

    /// The sum of x[0, size): the floor's pass (memory_floor_2 runs it on halves of x).
    static T sum(const T* x, std::size_t size) {
        using V = xsimd::batch<T>;
        constexpr std::size_t L = V::size;
        // Four independent accumulators: the adds' latency is hidden, the loads are the limit.
        V a0(T(0)), a1(T(0)), a2(T(0)), a3(T(0));
        std::size_t i = 0;
        for (; i + 4 * L <= size; i += 4 * L) {
            a0 += V::load_unaligned(x + i);
            a1 += V::load_unaligned(x + i + L);
            a2 += V::load_unaligned(x + i + 2 * L);
            a3 += V::load_unaligned(x + i + 3 * L);
        }
        for (; i + L <= size; i += L) a0 += V::load_unaligned(x + i);
        T sum = xsimd::hadd((a0 + a1) + (a2 + a3));
        for (; i < size; ++i) sum += x[i];
        return sum;
    }

private:
    const problem<T>& p_;
};

}  // namespace bench
