// Data-parallel training over MPI ranks with sharded evaluation (ctgrad/api/shards.hpp).
//
// A two-layer classifier, z = relu(x·w1ᵀ + b1)·w2ᵀ + b2 with F.cross_entropy on class indices,
// is trained by Adam (ctgrad::optim::adam) on a synthetic data set of ten classes. Every rank
// holds the data and the same parameters. Each step's mini-batch is split into the shards of
// its layout (fixed by the batch size); rank r evaluates its block of shards and combines them
// by the fixed tree, then ONE MPI_Allreduce adds the ranks' partials (the loss sums and every
// gradient, one record each, with an operation of ours: sharded_call::accumulate). Every rank
// then finishes the same loss and gradients and makes the same Adam update.
//
// With two ranks the allreduce adds two partials, rank 0's block and rank 1's: the top node of
// the tree, and a + b == b + a in IEEE arithmetic, so the training is the single-process
// sharded training bit for bit. Rank 0 trains that single-process run too and compares the
// final parameters with memcmp (exit status 1 if they differ); it also reports how far the
// plain serial call (step(...), unsharded) ends up. With more ranks, MPI chooses the order of
// its additions (ring or tree, by message size): close, but not promised to be the same bits.
//
//   mpirun -np 2 mpi_data_parallel [--steps N]

#include <mpi.h>

#include <algorithm>
#include <bit>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctgrad/ctgrad.hpp>
#include <ctgrad/optim.hpp>
#include <ctgrad/api/shards.hpp>
#include <span>
#include <string_view>
#include <vector>

namespace {
using namespace ctgrad;

constexpr std::size_t N = 64, H = 32, K = 10;  // features, hidden units, classes
constexpr axis<"n", N> n;
constexpr axis<"h", H> hid;
constexpr axis<"k", K> k;
constexpr auto x = input<"x">(batch, n);
constexpr auto y = input<"y">(batch);  // class indices, as floats
constexpr auto w1 = parameter<"w1">(hid, n);
constexpr auto b1 = parameter<"b1">(hid);
constexpr auto w2 = parameter<"w2">(k, hid);
constexpr auto b2 = parameter<"b2">(k);
constexpr auto z = matmul(relu(matmul(x, transpose(w1)) + b1), transpose(w2)) + b2;
constexpr auto loss = cross_entropy(z, y);
constexpr auto step = value_and_grad(loss, wrt(w1, b1, w2, b2));

constexpr std::size_t samples = 8192, batch_rows = 512;
constexpr std::array<std::size_t, 4> sizes{H * N, H, K * H, K};

/// splitmix64: the same numbers on every rank and platform.
struct random {
    std::uint64_t s;
    std::uint64_t next() {
        std::uint64_t v = (s += 0x9E3779B97F4A7C15u);
        v = (v ^ (v >> 30)) * 0xBF58476D1CE4E5B9u;
        v = (v ^ (v >> 27)) * 0x94D049BB133111EBu;
        return v ^ (v >> 31);
    }
    float uniform() { return static_cast<float>(next() >> 40) / static_cast<float>(1 << 24) * 2.0f - 1.0f; }
};

struct data_set {
    std::vector<float> xs, ys;
};
/// Ten class centres in [-1, 1)^N, each sample its class's centre plus noise.
data_set make_data() {
    random r{2026};
    std::vector<float> centres(K * N);
    for (float& c : centres)
        c = r.uniform();
    data_set d{std::vector<float>(samples * N), std::vector<float>(samples)};
    for (std::size_t i = 0; i < samples; ++i) {
        const std::size_t c = r.next() % K;
        d.ys[i] = static_cast<float>(c);
        for (std::size_t j = 0; j < N; ++j)
            d.xs[i * N + j] = centres[c * N + j] + 1.5f * r.uniform();
    }
    return d;
}

/// The parameters and their gradients, in wrt's order.
struct model_state {
    std::array<std::vector<float>, 4> p, g;
    model_state() {
        random r{7};
        for (std::size_t i = 0; i < 4; ++i) {
            const float scale = 1.0f / std::sqrt(static_cast<float>(i < 2 ? N : H));  // torch.nn.Linear's range
            p[i].resize(sizes[i]);
            g[i].resize(sizes[i]);
            for (float& v : p[i])
                v = scale * r.uniform();
        }
    }
};

using sharded = sharded_call<std::remove_cvref_t<decltype(step)>, float>;
sharded* reducing = nullptr;  // the call whose partials the MPI operation adds

/// MPI's reduction operation on records of sharded::partial_bytes() bytes: into += from.
void add_partials(void* from, void* into, int* count, MPI_Datatype*) {
    const std::size_t bytes = reducing->partial_bytes();
    for (int i = 0; i < *count; ++i)
        reducing->accumulate({static_cast<std::byte*>(into) + i * bytes, bytes},
                             {static_cast<const std::byte*>(from) + i * bytes, bytes});
}

enum class mode { ranks, single_process, plain_call };

/// Trains `steps` Adam steps on mini-batches in a fixed order; returns the final parameters.
/// mode::ranks: this rank's block of shards and one MPI_Allreduce; single_process: every shard
/// here (the sharded call's own combine); plain_call: the serial call, unsharded.
model_state train(mode how, std::size_t steps, const data_set& d, int rank, int ranks, bool print) {
    model_state m;
    std::vector<float> xb(batch_rows * N), yb(batch_rows);
    auto call = prepare_shards(step, bind(x, std::span<const float>(xb)), bind(y, std::span<const float>(yb)),
                               bind(w1, std::span<const float>(m.p[0])), bind(b1, std::span<const float>(m.p[1])),
                               bind(w2, std::span<const float>(m.p[2])), bind(b2, std::span<const float>(m.p[3])),
                               std::span<float>(m.g[0]), std::span<float>(m.g[1]), std::span<float>(m.g[2]),
                               std::span<float>(m.g[3]));
    const std::size_t shards = call.shards(), per_rank = shards / static_cast<std::size_t>(ranks);
    if (shards % static_cast<std::size_t>(ranks) != 0 || !std::has_single_bit(static_cast<unsigned>(ranks))) {
        std::fprintf(stderr, "mpi_data_parallel: %d ranks cannot share %zu shards in blocks of the tree\n", ranks,
                     shards);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    const std::size_t first = per_rank * static_cast<std::size_t>(rank), last = first + per_rank;
    if (how == mode::ranks && print)
        std::printf("batch %zu rows in %zu shards (%zu rows each), %zu per rank; partials of %zu bytes\n",
                    batch_rows, shards, batch_rows / shards, per_rank, call.partial_bytes());
    std::vector<std::byte> combined(call.partial_bytes());
    MPI_Datatype record;
    MPI_Op add;
    MPI_Type_contiguous(static_cast<int>(call.partial_bytes()), MPI_BYTE, &record);
    MPI_Type_commit(&record);
    MPI_Op_create(&add_partials, /*commute=*/1, &add);
    reducing = &call;

    optim::adam<float> adam({sizes[0], sizes[1], sizes[2], sizes[3]}, {.lr = 0.01});
    for (std::size_t s = 0; s < steps; ++s) {
        for (std::size_t i = 0; i < batch_rows; ++i) {  // the mini-batch: rows in a fixed stride order
            const std::size_t row = (s * batch_rows + i * 37) % samples;
            std::copy_n(d.xs.begin() + static_cast<std::ptrdiff_t>(row * N), N, xb.begin() + static_cast<std::ptrdiff_t>(i * N));
            yb[i] = d.ys[row];
        }
        float l = 0;
        if (how == mode::ranks) {
            for (std::size_t i = first; i < last; ++i)
                call.run(i);
            call.combine_shards(first, last);
            MPI_Allreduce(call.partial(first).data(), combined.data(), 1, record, add, MPI_COMM_WORLD);
            l = std::get<0>(call.finish(combined));
        } else if (how == mode::single_process) {
            l = std::get<0>(call());
        } else {
            l = std::get<0>(step(bind(x, std::span<const float>(xb)), bind(y, std::span<const float>(yb)),
                                 bind(w1, std::span<const float>(m.p[0])), bind(b1, std::span<const float>(m.p[1])),
                                 bind(w2, std::span<const float>(m.p[2])), bind(b2, std::span<const float>(m.p[3])),
                                 m.g[0], m.g[1], m.g[2], m.g[3]));
        }
        adam.step({m.p[0], m.p[1], m.p[2], m.p[3]}, {m.g[0], m.g[1], m.g[2], m.g[3]});
        if (print && (s % 10 == 0 || s + 1 == steps))
            std::printf("step %3zu: loss %.6f\n", s, static_cast<double>(l));
    }
    MPI_Op_free(&add);
    MPI_Type_free(&record);
    return m;
}

double accuracy(const model_state& m, const data_set& d) {
    std::size_t right = 0;
    for (std::size_t i = 0; i < samples; ++i) {
        std::array<float, H> h{};
        for (std::size_t u = 0; u < H; ++u) {
            float a = m.p[1][u];
            for (std::size_t j = 0; j < N; ++j)
                a += m.p[0][u * N + j] * d.xs[i * N + j];
            h[u] = std::max(a, 0.0f);
        }
        std::size_t best = 0;
        float top = -INFINITY;
        for (std::size_t c = 0; c < K; ++c) {
            float a = m.p[3][c];
            for (std::size_t u = 0; u < H; ++u)
                a += m.p[2][c * H + u] * h[u];
            if (a > top)
                top = a, best = c;
        }
        right += best == static_cast<std::size_t>(d.ys[i]);
    }
    return static_cast<double>(right) / samples;
}
}  // namespace

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    int rank = 0, ranks = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    std::size_t steps = 40;
    for (int i = 1; i + 1 < argc; ++i)
        if (std::string_view(argv[i]) == "--steps")
            steps = static_cast<std::size_t>(std::atoi(argv[i + 1]));
    const data_set d = make_data();

    if (rank == 0)
        std::printf("%d MPI ranks, %zu samples, %zu Adam steps\n", ranks, samples, steps);
    const model_state distributed = train(mode::ranks, steps, d, rank, ranks, rank == 0);

    int status = 0;
    if (rank == 0) {
        const model_state single = train(mode::single_process, steps, d, 0, 1, false);
        const model_state plain = train(mode::plain_call, steps, d, 0, 1, false);
        bool same = true;
        double worst = 0, scale = 0;
        std::size_t count = 0;
        for (std::size_t i = 0; i < 4; ++i) {
            same = same && std::memcmp(distributed.p[i].data(), single.p[i].data(), sizes[i] * sizeof(float)) == 0;
            for (std::size_t e = 0; e < sizes[i]; ++e) {
                worst = std::max(worst, std::abs(double(plain.p[i][e]) - double(distributed.p[i][e])));
                scale = std::max(scale, std::abs(double(distributed.p[i][e])));
            }
            count += sizes[i];
        }
        std::printf("accuracy on the %zu samples: %.3f\n", samples, accuracy(distributed, d));
        std::printf("final parameters (%zu floats) against the single-process sharded run: %s\n", count,
                    same ? "bit-identical" : "DIFFERENT");
        std::printf("against the plain serial call: max |difference| %.2e, %.2e of the largest parameter\n", worst,
                    worst / scale);
        if (!same || worst / scale > 1e-3 || accuracy(distributed, d) < 0.9)
            status = 1;
    }
    MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Finalize();
    return status;
}
