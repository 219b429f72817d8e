// program::prepare: the data validated once, then evaluated on every call. A prepared call must
// give what the plain call gives, read the bound memory as it is when called, refuse bad data
// when it is prepared, and still check what depends on the values (class indices) every call.

#include <catch2/catch.hpp>
#include <optional>
#include <vector>

#include "test_support.hpp"

namespace {
using namespace ctgrad;
using namespace test_support::model;

struct lecture_data {
    std::size_t B, N, K;
    std::vector<float> xs, ws, bs, ts;
    lecture_data(std::size_t B_, std::size_t N_, std::size_t K_, unsigned seed)
        : B(B_),
          N(N_),
          K(K_),
          xs(test_support::normal<float>(B_ * N_, seed)),
          ws(test_support::normal<float>(K_ * N_, seed + 1, 0.3)),
          bs(test_support::normal<float>(K_, seed + 2, 0.1)),
          ts(test_support::uniform<float>(B_ * K_, seed + 3)) {}
    auto bx() const { return bind(x, xs.data(), {B, N}); }
    auto bw() const { return bind(w, ws.data(), {K, N}); }
    auto bb() const { return bind(b, bs); }
    auto bt() const { return bind(t, ts.data(), {B, K}); }
};
}  // namespace

TEST_CASE("a prepared call gives what the plain call gives, call after call", "[prepared]") {
    const auto step = value_and_grad(half_sse, wrt(w, b, x));
    for (std::size_t B : {1, 2, 3, 5, 33})
        for (std::size_t K : {1, 2, 4}) {
            lecture_data d(B, 10, K, 7);
            std::vector<float> dw(K * 10), db(K), dx(B * 10);
            std::vector<float> pw(K * 10), pb(K), px(B * 10);
            auto call = step.prepare(d.bx(), d.bw(), d.bb(), d.bt(), pw, pb, px);
            for (int round = 0; round < 3; ++round) {
                // Change the bound memory's contents between calls: the call reads them anew.
                for (auto& v : d.ws)
                    v *= 0.9f;
                d.bs[0] += 0.05f;
                auto [loss, gw, gb, gx] = step(d.bx(), d.bw(), d.bb(), d.bt(), dw, db, dx);
                std::fill(pw.begin(), pw.end(), 123.f);  // overwritten, not added to
                auto [ploss, pgw, pgb, pgx] = call();
                INFO("B = " << B << ", K = " << K << ", round " << round);
                CHECK(ploss == loss);
                CHECK(pw == dw);
                CHECK(pb == db);
                CHECK(px == dx);
                CHECK(pgw.data() == pw.data());
                CHECK(pgw.size() == pw.size());
                CHECK(pgx.size() == px.size());
                (void)gw, (void)gb, (void)gx, (void)pgb;
            }
        }
}

TEST_CASE("a prepared value program returns the loss alone", "[prepared]") {
    lecture_data d(4, 10, 2, 11);
    const auto loss = value(half_sse);
    const auto call = loss.prepare(d.bx(), d.bw(), d.bb(), d.bt());
    const float plain = loss(d.bx(), d.bw(), d.bb(), d.bt());
    const float prepared = call();
    CHECK(prepared == plain);
    CHECK(prepared > 0);
}

TEST_CASE("prepare refuses what the plain call refuses, writing nothing", "[prepared][errors]") {
    const auto step = value_and_grad(half_sse, wrt(w, b));
    lecture_data d(2, 10, 1, 3);
    std::vector<float> dw(10, 7.f), db(1, 7.f), short_db(0);
    // A gradient buffer of the wrong length.
    CHECK_THROWS_WITH(step.prepare(d.bx(), d.bw(), d.bb(), d.bt(), dw, short_db),
                      Catch::Contains("'b'") && Catch::Contains("needs 1"));
    // A gradient buffer that is the bound input's memory.
    std::vector<float> shared(10);
    CHECK_THROWS_AS(step.prepare(d.bx(), bind(w, shared.data(), {1, 10}), d.bb(), d.bt(), shared, db),
                    evaluation_error);
    // Without exceptions: the status, and the optional left empty (x's batch of 3 against t's 2).
    std::optional<decltype(step)::prepared<float>> call;
    const status s = step.try_prepare(call, bind(x, d.xs.data(), {1, 10}), d.bw(), d.bb(), d.bt(), dw, db);
    CHECK(s.code == errc::extent_conflict);
    CHECK_FALSE(call.has_value());
    CHECK(dw[0] == 7.f);
    CHECK(db[0] == 7.f);
    // The same data, right this time: the call is made.
    CHECK(step.try_prepare(call, d.bx(), d.bw(), d.bb(), d.bt(), dw, db).ok());
    REQUIRE(call.has_value());
    float loss = -1;
    CHECK(call->try_run(loss).ok());
    CHECK(loss > 0);
}

TEST_CASE("a prepared call checks class indices on every call", "[prepared][errors]") {
    constexpr axis<"j"> j;
    constexpr axis<"k"> k3;
    constexpr auto xc = input<"x">(batch, j);
    constexpr auto y = input<"y">(batch);
    constexpr auto wc = parameter<"w">(k3, j);
    constexpr auto bc = parameter<"b">(k3);
    constexpr auto ce = cross_entropy(matmul(xc, transpose(wc)) + bc, y);
    const std::vector<float> xs{1, 2, 3, 4}, ws{0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f}, bs{0, 0, 0};
    std::vector<float> ys{0, 2};
    std::vector<float> dw(6), db(3);
    const auto step = value_and_grad(ce, wrt(wc, bc));
    const auto call =
        step.prepare(bind(xc, xs.data(), {2, 2}), bind(y, ys), bind(wc, ws.data(), {3, 2}), bind(bc, bs), dw, db);
    const float good = std::get<0>(call());
    CHECK(good > 0);
    ys[1] = 3;  // no longer a class index: refused, nothing written
    std::fill(dw.begin(), dw.end(), 7.f);
    float loss = -1;
    const status s = call.try_run(loss);
    CHECK(s.code == errc::class_index);
    CHECK(loss == -1);
    CHECK(dw[0] == 7.f);
    CHECK_THROWS_AS(call(), evaluation_error);
    ys[1] = 1;
    CHECK(std::get<0>(call()) > 0);
}
