#pragma once
// ctgrad's sharded call (ctgrad/api/shards.hpp) driven by OpenMP (ctgrad/parallel/openmp.hpp)
// with a fixed number of threads: rows "threads1" and "threads2" of the scaling table
// (docs/performance.md, "Threads"). The call is prepared once for a result's buffers, as the
// "prepared" row is: the timed call is openmp::run, i.e. the shards, their combine and the
// loss. Threads decide who runs which shard, never the bits: "threads1" and "threads2" give the
// same loss and gradients. Also a memory floor read by the same threads ("floor2": each thread
// sums one half of x), for the bandwidth-bound size. Compiled only with OpenMP.

#include <cstddef>
#include <ctgrad/parallel/openmp.hpp>
#include <optional>
#include <span>

#include "../problem.hpp"
#include "../two_layer_problem.hpp"
#include "ctgrad.hpp"
#include "ctgrad_two_layer.hpp"
#include "floor.hpp"

namespace bench {

/// The sharded call of Plain's program on one result's buffers, run with Threads threads.
template <class Plain, class Problem, int Threads>
class ctgrad_threads {
public:
    explicit ctgrad_threads(const Problem& p) : plain_(p) {}

    template <class Result>
    void run(Result& r) {
        if (prepared_for_ != &r) {  // buffers never seen: prepare and split once for them
            call_.emplace(plain_.prepare_shards(r));
            prepared_for_ = &r;
        }
        r.loss = std::get<0>(ctgrad::openmp::run(*call_, Threads));
    }

    /// The shards of the layout (after the first run; 0 before).
    std::size_t shards() const { return call_ ? call_->shards() : 0; }

private:
    Plain plain_;
    std::optional<typename Plain::sharded_type> call_;
    const void* prepared_for_ = nullptr;
};

template <class T, std::size_t N, std::size_t K, int Threads>
using ctgrad_threads_single = ctgrad_threads<ctgrad_peer<T, N, K>, problem<T>, Threads>;
template <class T, std::size_t N, std::size_t H, std::size_t K, int Threads>
using ctgrad_threads_two_layer = ctgrad_threads<ctgrad_two_layer<T, N, H, K>, two_layer_problem<T>, Threads>;

/// The memory floor (floor.hpp) with two threads, each summing one half of x.
template <class T>
class memory_floor_2 {
public:
    explicit memory_floor_2(const problem<T>& p) : p_(p) {}

    void run(result<T>& r) const {
        T sums[2] = {};
        const std::size_t half = p_.x.size() / 2;
#pragma omp parallel num_threads(2)
        {
            const int i = omp_get_thread_num();
            const std::span<const T> mine = i == 0 ? std::span<const T>(p_.x).first(half)
                                                   : std::span<const T>(p_.x).subspan(half);
            sums[i] = memory_floor<T>::sum(mine.data(), mine.size());
        }
        r.loss = sums[0] + sums[1];
    }

private:
    const problem<T>& p_;
};

}  // namespace bench
