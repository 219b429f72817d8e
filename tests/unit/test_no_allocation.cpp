// Evaluation allocates nothing: the global operator new is counted while programs run.

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <ctgrad/api/shards.hpp>
#include <ctgrad/optim/adam.hpp>
#include <ctgrad/optim/sgd.hpp>
#include <new>
#include <vector>

#include "test_support.hpp"

namespace {
std::atomic<long> allocations{0};
}  // namespace

// Counting replacements of the global allocation functions (for the whole test binary).
// g++ 12 sees std::free of memory from (this very) operator new and warns; the pair matches.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void* operator new(std::size_t n) {
    ++allocations;
    if (void* p = std::malloc(n == 0 ? 1 : n))
        return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
    return operator new(n);
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}

TEST_CASE("evaluating value and gradients performs no heap allocation", "[allocation]") {
    using namespace test_support::model;
    for (std::size_t B : {1, 7, 300}) {
        for (std::size_t K : {1, 3, 300}) {
            const std::size_t N = 37;
            auto xs = test_support::normal<float>(B * N, 1), ws = test_support::normal<float>(K * N, 2);
            auto bs = test_support::normal<float>(K, 3), ts = test_support::uniform<float>(B * K, 4);
            std::vector<float> dw(K * N), db(K), dx(B * N);
            const auto step = ctgrad::value_and_grad(mse, ctgrad::wrt(w, b, x));
            const long before = allocations.load();
            auto [loss, gw, gb, gx] = step(ctgrad::bind(x, xs.data(), {B, N}), ctgrad::bind(w, ws.data(), {K, N}),
                                           ctgrad::bind(b, bs), ctgrad::bind(t, ts.data(), {B, K}), dw, db, dx);
            const float value =
                ctgrad::value(half_sse)(ctgrad::bind(x, xs.data(), {B, N}), ctgrad::bind(w, ws.data(), {K, N}),
                                        ctgrad::bind(b, bs), ctgrad::bind(t, ts.data(), {B, K}));
            const long during = allocations.load() - before;
            INFO("B = " << B << ", K = " << K);
            CHECK(during == 0);
            CHECK(loss > 0);
            CHECK(value > 0);
        }
    }
}

TEST_CASE("a prepared call performs no heap allocation, when prepared or called", "[allocation][prepared]") {
    using namespace test_support::model;
    for (std::size_t B : {1, 300}) {
        const std::size_t N = 10, K = 2;
        auto xs = test_support::normal<float>(B * N, 1), ws = test_support::normal<float>(K * N, 2);
        auto bs = test_support::normal<float>(K, 3), ts = test_support::uniform<float>(B * K, 4);
        std::vector<float> dw(K * N), db(K);
        const auto step = ctgrad::value_and_grad(half_sse, ctgrad::wrt(w, b));
        const long before = allocations.load();
        const auto call = step.prepare(ctgrad::bind(x, xs.data(), {B, N}), ctgrad::bind(w, ws.data(), {K, N}),
                                       ctgrad::bind(b, bs), ctgrad::bind(t, ts.data(), {B, K}), dw, db);
        float total = 0;
        for (int i = 0; i < 3; ++i)
            total += std::get<0>(call());
        const long during = allocations.load() - before;  // before INFO, which allocates
        INFO("B = " << B);
        CHECK(during == 0);
        CHECK(total > 0);
    }
}

TEST_CASE("a forward pass, argmax and a loss with weight decay perform no heap allocation",
          "[allocation][forward][parameter_terms]") {
    using namespace test_support::model;
    using namespace ctgrad::literals;
    constexpr auto decayed = mse + 0.01_c * (ctgrad::sum(ctgrad::pow<2>(w)) + ctgrad::sum(ctgrad::pow<2>(b)));
    for (std::size_t B : {1, 7, 3000}) {
        const std::size_t N = 37, K = 10;
        auto xs = test_support::normal<float>(B * N, 1), ws = test_support::normal<float>(K * N, 2);
        auto bs = test_support::normal<float>(K, 3), ts = test_support::uniform<float>(B * K, 4);
        std::vector<float> out(B * K), dw(K * N), db(K);
        std::vector<int> classes(B);
        const auto bx = ctgrad::bind(x, xs.data(), {B, N});
        const auto bw = ctgrad::bind(w, ws.data(), {K, N});
        const long before = allocations.load();
        ctgrad::value(o)(bx, bw, ctgrad::bind(b, bs), out);
        ctgrad::value(ctgrad::argmax(z, k))(bx, bw, ctgrad::bind(b, bs), classes);  // in chunks of rows
        const auto call = ctgrad::value(o).prepare(bx, bw, ctgrad::bind(b, bs), out);
        call();
        const float loss = std::get<0>(ctgrad::value_and_grad(decayed, ctgrad::wrt(w, b))(
            bx, bw, ctgrad::bind(b, bs), ctgrad::bind(t, ts.data(), {B, K}), dw, db));
        const long during = allocations.load() - before;
        INFO("B = " << B);
        CHECK(during == 0);
        CHECK(loss > 0);
        CHECK(out[0] > 0);
    }
}

TEST_CASE("a sharded call allocates its workspace once, then nothing per call", "[allocation][shards]") {
    using namespace test_support::model;
    const std::size_t B = 700, N = 10, K = 2;
    auto xs = test_support::normal<float>(B * N, 1), ws = test_support::normal<float>(K * N, 2);
    auto bs = test_support::normal<float>(K, 3), ts = test_support::uniform<float>(B * K, 4);
    std::vector<float> dw(K * N), db(K);
    const auto step = ctgrad::value_and_grad(half_sse, ctgrad::wrt(w, b));
    auto call = ctgrad::prepare_shards(step, ctgrad::shard_layout::even(B, 6), ctgrad::bind(x, xs.data(), {B, N}),
                                       ctgrad::bind(w, ws.data(), {K, N}), ctgrad::bind(b, bs),
                                       ctgrad::bind(t, ts.data(), {B, K}), dw, db);
    const long before = allocations.load();
    float total = 0;
    for (int round = 0; round < 3; ++round) {
        total += std::get<0>(call());
        for (std::size_t i = call.shards(); i-- > 0;)
            call.run(i);
        for (std::size_t part = 0; part < 3; ++part)
            call.combine(part, 3);
        total += std::get<0>(call.finish());
    }
    const long during = allocations.load() - before;
    CHECK(during == 0);
    CHECK(total > 0);
}

TEST_CASE("the allocation counter counts", "[allocation]") {
    const long before = allocations.load();
    auto* p = new std::vector<int>(10);
    delete p;
    CHECK(allocations.load() - before >= 2);
}

TEST_CASE("an optimizer step performs no heap allocation", "[allocation][optim]") {
    std::vector<float> w(7830, 0.5f), b(10, 0.25f), dw(7830, 0.01f), db(10, -0.02f);
    std::vector<double> p(33, 1.0), g(33, 0.1);
    ctgrad::optim::sgd<float> sgd({w.size(), b.size()}, {.lr = 0.1, .momentum = 0.9, .nesterov = true});
    ctgrad::optim::adam<float> adam({w.size(), b.size()}, {.amsgrad = true});
    ctgrad::optim::adamw<double> adamw({p.size()}, {});
    const long before = allocations.load();
    for (int i = 0; i < 3; ++i) {
        sgd.step({w, b}, {dw, db});
        adam.step({w, b}, {dw, db});
        adamw.step(p, g);
    }
    const long during = allocations.load() - before;
    CHECK(during == 0);
    CHECK(adam.steps() == 3);
    CHECK(w[0] != 0.5f);
}
