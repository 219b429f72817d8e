// Sharded evaluation (api/shards.hpp) and its threads (parallel/openmp.hpp): the loss and the
// gradients are the same bits for 1, 2, 3, ... threads, from a pool of std::threads and from
// OpenMP, for every layout; within the PyTorch tolerance of the serial call; bad shards,
// layouts and partials are refused. Also compiled alone under ThreadSanitizer by
// scripts/ci/configurations.sh tsan (clang++ -fopenmp: libomp is TSan-aware, libgomp is not).

#include <bit>
#include <catch2/catch.hpp>
#include <cstring>
#include <functional>
#include <thread>
#include <vector>

#include <ctgrad/api/shards.hpp>
#ifdef _OPENMP
#include <ctgrad/parallel/openmp.hpp>
#endif

#include "test_support.hpp"

namespace {
using namespace ctgrad;

// A two-layer model of dynamic extents, with an MSE on sigmoid outputs or a cross-entropy on
// class indices (one_hot and a row log-sum-exp: per-row barriers inside every shard).
namespace two {
inline constexpr axis<"n"> n{};
inline constexpr axis<"h"> h{};
inline constexpr axis<"k"> k{};
inline constexpr auto x = input<"x">(batch, n);
inline constexpr auto t = input<"t">(batch, k);
inline constexpr auto y = input<"y">(batch);
inline constexpr auto w1 = parameter<"w1">(h, n);
inline constexpr auto b1 = parameter<"b1">(h);
inline constexpr auto w2 = parameter<"w2">(k, h);
inline constexpr auto b2 = parameter<"b2">(k);
inline constexpr auto hid = sigmoid(matmul(x, transpose(w1)) + b1);
inline constexpr auto mse = mse_loss(sigmoid(matmul(hid, transpose(w2)) + b2), t);
inline constexpr auto logits = matmul(relu(matmul(x, transpose(w1)) + b1), transpose(w2)) + b2;
inline constexpr auto ce = cross_entropy(logits, y);
}  // namespace two

/// The loss and every gradient buffer's bytes after one evaluation.
struct snapshot {
    std::vector<unsigned char> bytes;
    template <class T>
    void add(const T* p, std::size_t n) {
        const auto* b = reinterpret_cast<const unsigned char*>(p);
        bytes.insert(bytes.end(), b, b + n * sizeof(T));
    }
    bool operator==(const snapshot& o) const {
        return bytes.size() == o.bytes.size() && std::memcmp(bytes.data(), o.bytes.data(), bytes.size()) == 0;
    }
};

/// A scheduler of our own: k std::threads take the shards round-robin, then a slice of the
/// combine each (the order of the threads' work is whatever the OS makes it).
template <class Call>
void run_on_pool(Call& call, unsigned k) {
    std::vector<std::thread> pool;
    for (unsigned w = 0; w < k; ++w)
        pool.emplace_back([&, w] {
            const std::size_t n = call.shards();  // from the last shard down: not the serial order
            for (std::size_t j = w; j < n; j += k)
                (void)call.try_run(n - 1 - j);
        });
    for (auto& th : pool)
        th.join();
    pool.clear();
    for (unsigned w = 0; w < k; ++w)
        pool.emplace_back([&, w] { call.combine(w, k); });
    for (auto& th : pool)
        th.join();
}

/// Evaluates `call` with every driver and thread count; all must give the bits of call();
/// `grads` are the gradient buffers, `loss_of` reads the loss from a result.
template <class Call, class... G>
snapshot check_drivers(Call& call, G&... grads) {
    auto take = [&](auto loss) {
        snapshot s;
        s.add(&loss, 1);
        (s.add(grads.data(), grads.size()), ...);
        return s;
    };
    auto loss_of = [](const auto& r) {
        if constexpr (requires { std::get<0>(r); })
            return std::get<0>(r);
        else
            return r;
    };
    const snapshot serial = take(loss_of(call()));
    for (unsigned k : {1u, 2u, 3u, 4u}) {
        INFO("pool of " << k << " threads, " << call.shards() << " shards");
        ((std::fill(grads.begin(), grads.end(), 7.0f)), ...);  // overwritten, not added to
        run_on_pool(call, k);
        CHECK(take(loss_of(call.finish())) == serial);
#ifdef _OPENMP
        INFO("OpenMP, " << k << " threads");
        ((std::fill(grads.begin(), grads.end(), 7.0f)), ...);
        CHECK(take(loss_of(ctgrad::openmp::run(call, static_cast<int>(k)))) == serial);
#endif
    }
    return serial;
}

/// The layouts every model is tried with: the default, and even splits into 2, 3 and 8 shards.
std::vector<shard_layout> layouts(std::size_t B) {
    std::vector<shard_layout> v{shard_layout::even(B, 1)};
    for (std::size_t c : {2, 3, 8})
        if (c <= B)
            v.push_back(shard_layout::even(B, c));
    return v;
}

constexpr double tolerance = 2e-5;  // normwise, float: the PyTorch parity tests' order
}  // namespace

TEST_CASE("shards: a perceptron's loss and gradients, dx included, are the same bits for any threads",
          "[shards][determinism]") {
    using namespace test_support::model;
    const auto step = value_and_grad(mse, wrt(w, b, x));
    for (std::size_t B : {1, 5, 257, 1001}) {
        const std::size_t N = 29, K = 3;
        const auto xs = test_support::normal<float>(B * N, 1), ws = test_support::normal<float>(K * N, 2, 0.3);
        const auto bs = test_support::normal<float>(K, 3, 0.1), ts = test_support::uniform<float>(B * K, 4);
        std::vector<float> dw(K * N), db(K), dx(B * N), rw(K * N), rb(K), rx(B * N);
        auto bound = [&](auto&&... g) {
            return std::tuple_cat(std::make_tuple(bind(x, xs.data(), {B, N}), bind(w, ws.data(), {K, N}), bind(b, bs),
                                                  bind(t, ts.data(), {B, K})),
                                  std::forward_as_tuple(g...));
        };
        const float reference = std::get<0>(std::apply(step, bound(rw, rb, rx)));
        for (const shard_layout& layout : layouts(B)) {
            INFO("B = " << B << ", " << layout.count << " shards");
            auto call = std::apply([&](auto&&... a) { return prepare_shards(step, layout, a...); }, bound(dw, db, dx));
            check_drivers(call, dw, db, dx);
            const float loss = std::get<0>(call());
            CHECK(std::abs(loss - reference) <= tolerance * std::abs(reference));
            CHECK(test_support::normwise_error(dw, rw, 1e-6) <= tolerance);
            CHECK(test_support::normwise_error(db, rb, 1e-6) <= tolerance);
            // Each row's dx is computed by one shard, but in tiles cut at the shard's
            // boundaries (kernels may add in another order): close, not the same bits.
            CHECK(test_support::normwise_error(dx, rx, 1e-6) <= tolerance);
        }
    }
}

TEST_CASE("shards: two layers with MSE and with cross-entropy are the same bits for any threads",
          "[shards][determinism]") {
    using namespace two;
    const std::size_t N = 23, H = 9, K = 4;
    const auto w1s = test_support::normal<float>(H * N, 5, 0.3), b1s = test_support::normal<float>(H, 6, 0.1);
    const auto w2s = test_support::normal<float>(K * H, 7, 0.5), b2s = test_support::normal<float>(K, 8, 0.1);
    for (std::size_t B : {3, 130, 777}) {
        const auto xs = test_support::normal<float>(B * N, 9);
        const auto ts = test_support::uniform<float>(B * K, 10);
        std::vector<float> ys(B);
        for (std::size_t i = 0; i < B; ++i)
            ys[i] = static_cast<float>((i * 7 + i / 3) % K);
        std::vector<float> g1(H * N), g2(H), g3(K * H), g4(K), r1(H * N), r2(H), r3(K * H), r4(K);
        auto params = [&] {
            return std::make_tuple(bind(w1, w1s.data(), {H, N}), bind(b1, b1s), bind(w2, w2s.data(), {K, H}),
                                   bind(b2, b2s));
        };
        auto compare = [&](float loss, float reference) {
            CHECK(std::abs(loss - reference) <= tolerance * std::abs(reference));
            CHECK(test_support::normwise_error(g1, r1, 1e-6) <= tolerance);
            CHECK(test_support::normwise_error(g2, r2, 1e-6) <= tolerance);
            CHECK(test_support::normwise_error(g3, r3, 1e-6) <= tolerance);
            CHECK(test_support::normwise_error(g4, r4, 1e-6) <= tolerance);
        };
        // One model on its targets: every layout, every driver, and the serial call's figures.
        auto check_model = [&](const auto& step, auto targets) {
            auto args = std::tuple_cat(std::make_tuple(bind(x, xs.data(), {B, N}), targets), params());
            const float reference =
                std::get<0>(std::apply([&](auto... a) { return step(a..., r1, r2, r3, r4); }, args));
            for (const shard_layout& layout : layouts(B)) {
                INFO("B = " << B << ", " << layout.count << " shards");
                auto call =
                    std::apply([&](auto... a) { return prepare_shards(step, layout, a..., g1, g2, g3, g4); }, args);
                check_drivers(call, g1, g2, g3, g4);
                compare(std::get<0>(call()), reference);
            }
        };
        check_model(value_and_grad(mse, wrt(w1, b1, w2, b2)), bind(t, ts.data(), {B, K}));
        check_model(value_and_grad(ce, wrt(w1, b1, w2, b2)), bind(y, ys));
    }
}

TEST_CASE("shards: the default layout depends on the batch alone, and small calls are one shard", "[shards]") {
    using namespace test_support::model;
    const auto step = value_and_grad(half_sse, wrt(w, b));
    const std::size_t N = 64, K = 4;
    const auto ws = test_support::normal<float>(K * N, 2, 0.3), bs = test_support::normal<float>(K, 3, 0.1);
    std::vector<float> dw(K * N), db(K), rw(K * N), rb(K);
    for (std::size_t B : {1, 255, 2048, 4099}) {
        const auto xs = test_support::normal<float>(B * N, 1);
        const auto ts = test_support::uniform<float>(B * K, 4);
        auto call = prepare_shards(step, bind(x, xs.data(), {B, N}), bind(w, ws.data(), {K, N}), bind(b, bs),
                                   bind(t, ts.data(), {B, K}), dw, db);
        // work per row: K·N + K parameters, N + K inputs
        const shard_layout expected = shard_layout::for_rows(B, K * N + K + N + K);
        CHECK(call.shards() == expected.count);
        CHECK(call.layout().rows == B);
        CHECK(std::has_single_bit(call.shards()));
        if (B < 2 * shard_layout::min_rows)
            CHECK(call.shards() == 1);
        else
            CHECK(call.shards() > 1);
        INFO("B = " << B << ", " << call.shards() << " shards");
        check_drivers(call, dw, db);
        const float loss = std::get<0>(call());
        const float reference = std::get<0>(step(bind(x, xs.data(), {B, N}), bind(w, ws.data(), {K, N}), bind(b, bs),
                                                  bind(t, ts.data(), {B, K}), rw, rb));
        if (call.shards() == 1) {  // the serial call itself
            CHECK(loss == reference);
            CHECK(dw == rw);
            CHECK(db == rb);
        } else {
            CHECK(std::abs(loss - reference) <= tolerance * std::abs(reference));
            CHECK(test_support::normwise_error(dw, rw, 1e-6) <= tolerance);
        }
    }
    // The rule: powers of two, at least min_rows rows each, at most max_shards.
    CHECK(shard_layout::for_rows(1, 1000).count == 1);
    CHECK(shard_layout::for_rows(1024, 8644).count == 8);
    CHECK(shard_layout::for_rows(65536, 258).count == shard_layout::max_shards);
    CHECK(shard_layout::for_rows(4096, 130).count == 2);  // by work: 4096·130 < 4·2^18
    const shard_layout odd = shard_layout::even(10, 3);
    CHECK(odd.first(0) == 0);
    CHECK(odd.last(0) == 4);
    CHECK(odd.first(1) == 4);
    CHECK(odd.last(1) == 7);
    CHECK(odd.last(2) == 10);
}

TEST_CASE("shards: partials combined elsewhere (two 'ranks') give the bits of combine()", "[shards]") {
    using namespace test_support::model;
    const auto step = value_and_grad(mse, wrt(w, b));
    const std::size_t B = 600, N = 17, K = 5;
    const auto xs = test_support::normal<float>(B * N, 1), ws = test_support::normal<float>(K * N, 2, 0.3);
    const auto bs = test_support::normal<float>(K, 3, 0.1), ts = test_support::uniform<float>(B * K, 4);
    std::vector<float> dw(K * N), db(K);
    auto call = prepare_shards(step, shard_layout::even(B, 8), bind(x, xs.data(), {B, N}), bind(w, ws.data(), {K, N}),
                               bind(b, bs), bind(t, ts.data(), {B, K}), dw, db);
    const auto [loss, gw, gb] = call();
    const std::vector<float> whole_w(gw.begin(), gw.end()), whole_b(gb.begin(), gb.end());
    for (std::size_t i = 0; i < 8; ++i)
        call.run(i);
    call.combine_shards(0, 4);  // "rank 0"
    call.combine_shards(4, 8);  // "rank 1"
    std::vector<std::byte> mine(call.partial(0).begin(), call.partial(0).end());
    CHECK(mine.size() == call.partial_bytes());
    call.accumulate(mine, call.partial(4));  // what an allreduce of two ranks adds
    std::fill(dw.begin(), dw.end(), 7.f);
    const auto [loss2, gw2, gb2] = call.finish(mine);
    CHECK(std::memcmp(&loss2, &loss, sizeof loss) == 0);
    CHECK(dw == whole_w);
    CHECK(db == whole_b);
    (void)gw2, (void)gb2;
}

TEST_CASE("shards: a nonlinear function of batch sums is finished after the sums are combined", "[shards]") {
    using namespace test_support::model;
    const auto loss = value(log(sum(o)) * mean(pow<2>(o - t)));  // not a sum of per-shard losses
    const std::size_t B = 300, N = 11, K = 2;
    const auto xs = test_support::normal<float>(B * N, 1), ws = test_support::normal<float>(K * N, 2, 0.3);
    const auto bs = test_support::normal<float>(K, 3, 0.1), ts = test_support::uniform<float>(B * K, 4);
    auto args = std::make_tuple(bind(x, xs.data(), {B, N}), bind(w, ws.data(), {K, N}), bind(b, bs),
                                bind(t, ts.data(), {B, K}));
    const float serial = std::apply(loss, args);
    auto call = std::apply([&](auto... a) { return prepare_shards(loss, shard_layout::even(B, 5), a...); }, args);
    const float sharded = call();
    CHECK(std::abs(sharded - serial) <= tolerance * std::abs(serial));
#ifdef _OPENMP
    const float threaded = ctgrad::openmp::run(call, 3);
    CHECK(std::memcmp(&threaded, &sharded, sizeof sharded) == 0);
#endif
}

TEST_CASE("shards: bad layouts, shard indices, partials and class indices are refused", "[shards][errors]") {
    using namespace test_support::model;
    const auto step = value_and_grad(mse, wrt(w, b));
    const std::size_t B = 40, N = 6, K = 2;
    const auto xs = test_support::normal<float>(B * N, 1), ws = test_support::normal<float>(K * N, 2);
    const auto bs = test_support::normal<float>(K, 3), ts = test_support::uniform<float>(B * K, 4);
    std::vector<float> dw(K * N), db(K);
    auto prepare = [&](shard_layout layout) {
        return prepare_shards(step, layout, bind(x, xs.data(), {B, N}), bind(w, ws.data(), {K, N}), bind(b, bs),
                              bind(t, ts.data(), {B, K}), dw, db);
    };
    CHECK_THROWS_WITH(prepare(shard_layout::even(39, 2)),
                      Catch::Contains("shard layout of 39 rows") && Catch::Contains("has 40 rows"));
    try {
        prepare(shard_layout::even(40, 0));
        FAIL("a layout of no shards was accepted");
    } catch (const evaluation_error& e) {
        CHECK(e.details().code == errc::shard_layout);
        CHECK(std::string(e.what()).find("at least one shard") != std::string::npos);
    }
    auto call = prepare(shard_layout::even(B, 4));
    const status s = call.try_run(4);
    CHECK(s.code == errc::shard_index);
    CHECK(s.message() == "ctgrad: shard 4 does not exist: the layout has 4 shards (0 to 3)");
    CHECK_THROWS_AS(call.run(9), evaluation_error);
    CHECK_THROWS_AS(call.partial(4), evaluation_error);
    CHECK_THROWS_AS(call.combine_shards(2, 5), evaluation_error);
    std::vector<std::byte> small(call.partial_bytes() - 1);
    CHECK_THROWS_WITH(call.accumulate(small, call.partial(0)), Catch::Contains("partial_bytes"));
    CHECK_THROWS_AS(call.finish(small), std::invalid_argument);
    // The data as prepare_shards sees it is checked as prepare checks it.
    std::vector<float> short_db(K + 1);
    CHECK_THROWS_AS(prepare_shards(step, bind(x, xs.data(), {B, N}), bind(w, ws.data(), {K, N}), bind(b, bs),
                                   bind(t, ts.data(), {B, K}), dw, short_db),
                    evaluation_error);
}

TEST_CASE("shards: a class index out of range in one shard writes no loss and no parameter gradient",
          "[shards][errors]") {
    using namespace two;
    const std::size_t B = 50, N = 4, H = 3, K = 3;
    const auto xs = test_support::normal<float>(B * N, 1), w1s = test_support::normal<float>(H * N, 2);
    const auto b1s = test_support::normal<float>(H, 3), w2s = test_support::normal<float>(K * H, 4);
    const auto b2s = test_support::normal<float>(K, 5);
    std::vector<float> ys(B, 1.0f);
    std::vector<float> g1(H * N), g2(H), g3(K * H), g4(K);
    const auto step = value_and_grad(ce, wrt(w1, b1, w2, b2));
    auto call = prepare_shards(step, shard_layout::even(B, 5), bind(x, xs.data(), {B, N}), bind(y, ys),
                               bind(w1, w1s.data(), {H, N}), bind(b1, b1s), bind(w2, w2s.data(), {K, H}), bind(b2, b2s),
                               g1, g2, g3, g4);
    CHECK(std::get<0>(call()) > 0);
    ys[33] = 3;  // shard 3 (rows 30..39) holds it
    std::fill(g1.begin(), g1.end(), 7.f);
    for (unsigned k : {1u, 2u}) {
        run_on_pool(call, k);
        float loss = -1;
        const status s = call.try_finish(loss);
        CHECK(s.code == errc::class_index);
        CHECK(s.actual == 33);
        CHECK(loss == -1);
        CHECK(g1[0] == 7.f);
    }
    CHECK(call.try_run(3).code == errc::class_index);
    CHECK(call.try_run(2).ok());
    CHECK_THROWS_AS(call(), evaluation_error);
#ifdef _OPENMP
    CHECK_THROWS_AS(ctgrad::openmp::run(call, 2), evaluation_error);
#endif
    CHECK(g1[0] == 7.f);
    ys[33] = 0;
    CHECK(std::get<0>(call()) > 0);
}

TEST_CASE("shards: a term over the parameters alone (weight decay) is added once, not once per shard",
          "[shards][parameter_terms]") {
    using namespace test_support::model;
    using namespace ctgrad::literals;
    constexpr auto decayed = mse + 0.05_c * (sum(pow<2>(w)) + sum(pow<2>(b)));
    const auto step = value_and_grad(decayed, wrt(w, b));
    const std::size_t B = 600, N = 17, K = 5;
    const auto xs = test_support::normal<float>(B * N, 1), ws = test_support::normal<float>(K * N, 2, 0.3);
    const auto bs = test_support::normal<float>(K, 3, 0.1), ts = test_support::uniform<float>(B * K, 4);
    std::vector<float> dw(K * N), db(K), rw(K * N), rb(K);
    auto bound = [&](auto&... g) {
        return std::tuple_cat(std::make_tuple(bind(x, xs.data(), {B, N}), bind(w, ws.data(), {K, N}), bind(b, bs),
                                              bind(t, ts.data(), {B, K})),
                              std::forward_as_tuple(g...));
    };
    const float reference = std::get<0>(std::apply(step, bound(rw, rb)));
    double decay = 0;  // the term itself, to see that it is in the reference once
    for (float v : ws)
        decay += 0.05 * v * v;
    for (float v : bs)
        decay += 0.05 * v * v;
    const float without = std::get<0>(value_and_grad(mse, wrt(w, b))(bind(x, xs.data(), {B, N}),
                                                                      bind(w, ws.data(), {K, N}), bind(b, bs),
                                                                      bind(t, ts.data(), {B, K}), dw, db));
    REQUIRE(std::abs(reference - without - decay) <= 1e-5 * std::abs(reference));
    for (const shard_layout& layout : layouts(B)) {
        INFO(layout.count << " shards");
        auto call = std::apply([&](auto&&... a) { return prepare_shards(step, layout, a...); }, bound(dw, db));
        check_drivers(call, dw, db);
        const float loss = std::get<0>(call());
        CHECK(std::abs(loss - reference) <= tolerance * std::abs(reference));
        CHECK(test_support::normwise_error(dw, rw, 1e-6) <= tolerance);
        CHECK(test_support::normwise_error(db, rb, 1e-6) <= tolerance);
        // Partials combined elsewhere (MPI's path): the term is added by finish(partial), once.
        for (std::size_t i = 0; i < call.shards(); ++i)
            call.run(i);
        call.combine_shards(0, call.shards());
        const std::vector<std::byte> all(call.partial(0).begin(), call.partial(0).end());
        const float loss2 = std::get<0>(call.finish(all));
        CHECK(std::abs(loss2 - reference) <= tolerance * std::abs(reference));
        CHECK(test_support::normwise_error(dw, rw, 1e-6) <= tolerance);
    }
}
