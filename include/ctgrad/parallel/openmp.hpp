#pragma once
/// \file
/// Threads for a sharded call (ctgrad/api/shards.hpp) through OpenMP: the shards in one
/// parallel loop, then the combine in equal slices, in the same parallel region. Optional: it
/// needs OpenMP (g++/clang++ -fopenmp; CMake: link ctgrad::openmp instead of ctgrad::ctgrad),
/// and nothing else of ctgrad includes it. Why OpenMP and not oneTBB: docs/design.md.
///
///     auto call = ctgrad::prepare_shards(step, bind(x, xs), bind(w, ws), dw);   // once
///     auto [loss, gw] = ctgrad::openmp::run(call);          // every step: omp_get_max_threads()
///     auto [loss2, gw2] = ctgrad::openmp::run(call, 2);     // at most 2 threads
///
/// The bits do not depend on the threads: the shards and the combine's order are the layout's
/// (fixed by the batch size), the threads only decide who computes which shard. On cores shared
/// with other work, set OMP_WAIT_POLICY=passive (docs/performance.md): spinning waits then cost
/// whole scheduling periods.

#ifndef _OPENMP
#error "ctgrad/parallel/openmp.hpp needs OpenMP: compile with -fopenmp (CMake: link ctgrad::openmp)"
#endif

#include <omp.h>

#include <algorithm>
#include <cstddef>

#include "ctgrad/api/shards.hpp"

namespace ctgrad::openmp {

/// Evaluates `call` (a sharded_call) with up to `threads` threads (0: omp_get_max_threads()),
/// never more than it has shards; returns what its finish() returns (the loss, then a span per
/// gradient buffer), and throws evaluation_error as finish() does. A call of one shard (every
/// small batch: shard_layout::for_rows) runs on the calling thread as the serial call.
template <class Call>
auto run(Call& call, int threads = 0) {
    const std::size_t n = call.shards();
    const int most = threads > 0 ? threads : omp_get_max_threads();
    const int t = static_cast<int>(std::min<std::size_t>(n, static_cast<std::size_t>(std::max(most, 1))));
    if (t <= 1)
        return call();  // the same shards and tree on this thread: the same bits
    const long shards = static_cast<long>(n), parts = t;
#pragma omp parallel num_threads(t)
    {
#pragma omp for schedule(dynamic, 1)
        for (long i = 0; i < shards; ++i)
            (void)call.try_run(static_cast<std::size_t>(i));  // a failed shard is kept for finish()
#pragma omp for schedule(static)
        for (long p = 0; p < parts; ++p)
            call.combine(static_cast<std::size_t>(p), static_cast<std::size_t>(parts));
    }
    return call.finish();
}

}  // namespace ctgrad::openmp
