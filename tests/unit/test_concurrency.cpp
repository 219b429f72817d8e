// Re-entrancy: several threads evaluating one program on different data get what one thread
// gets. Run under ThreadSanitizer with scripts/ci/sanitizers.sh (see docs/testing.md).

#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "test_support.hpp"

TEST_CASE("threads sharing one program give the single-thread results", "[threads]") {
    using namespace test_support::model;
    const auto step = ctgrad::value_and_grad(mse, ctgrad::wrt(w, b, x));
    constexpr int threads = 4, rounds = 25;
    const std::size_t B = 33, N = 29, K = 3;
    struct job {
        std::vector<float> xs, ws, bs, ts, dw, db, dx;
        float loss = 0;
    };
    auto make = [&](unsigned seed) {
        return job{test_support::normal<float>(B * N, seed),
                   test_support::normal<float>(K * N, seed + 1, 0.3),
                   test_support::normal<float>(K, seed + 2, 0.1),
                   test_support::uniform<float>(B * K, seed + 3),
                   std::vector<float>(K * N),
                   std::vector<float>(K),
                   std::vector<float>(B * N)};
    };
    auto run = [&](job& j) {
        auto [loss, gw, gb, gx] = step(ctgrad::bind(x, j.xs.data(), {B, N}), ctgrad::bind(w, j.ws.data(), {K, N}),
                                       ctgrad::bind(b, j.bs), ctgrad::bind(t, j.ts.data(), {B, K}), j.dw, j.db, j.dx);
        j.loss = loss;
    };
    std::vector<job> expected, jobs;
    for (int i = 0; i < threads; ++i) {
        expected.push_back(make(10 * i + 1));
        run(expected.back());
        jobs.push_back(make(10 * i + 1));
    }
    std::vector<std::thread> pool;
    for (int i = 0; i < threads; ++i)
        pool.emplace_back([&, i] {
            for (int r = 0; r < rounds; ++r)
                run(jobs[i]);
        });
    for (auto& th : pool)
        th.join();
    for (int i = 0; i < threads; ++i) {
        CHECK(jobs[i].loss == expected[i].loss);
        CHECK(jobs[i].dw == expected[i].dw);
        CHECK(jobs[i].db == expected[i].db);
        CHECK(jobs[i].dx == expected[i].dx);
    }
}
