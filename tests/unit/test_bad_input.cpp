// Run-time input errors: a clear error naming the variable and sizes, and no output written.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace {
using namespace test_support::model;
constexpr ctgrad::axis<"n", 4> n4;
constexpr auto x4 = ctgrad::input<"x">(ctgrad::batch, n4);
constexpr auto w4 = ctgrad::parameter<"w">(k, n4);
constexpr auto loss4 = ctgrad::mse_loss(ctgrad::sigmoid(ctgrad::matmul(x4, ctgrad::transpose(w4))), t);

constexpr float sentinel = 123.0f;

struct buffers {
    std::vector<float> xs = std::vector<float>(8, 0.5f), ws = std::vector<float>(8, 0.25f),
                       ts = std::vector<float>(4, 1.0f);
    std::vector<float> dw = std::vector<float>(8, sentinel), dx = std::vector<float>(8, sentinel);
    bool untouched() const {
        for (float v : dw)
            if (v != sentinel)
                return false;
        for (float v : dx)
            if (v != sentinel)
                return false;
        return true;
    }
};
}  // namespace

TEST_CASE("consistent bindings evaluate", "[errors]") {
    buffers b;  // B = 2, N = 4, K = 2
    const auto step = ctgrad::value_and_grad(loss4, ctgrad::wrt(w4, x4));
    auto [loss, dw, dx] = step(ctgrad::bind(x4, b.xs), ctgrad::bind(w4, b.ws), ctgrad::bind(t, b.ts), b.dw, b.dx);
    CHECK(loss > 0);
    CHECK(!b.untouched());
}

TEST_CASE("a length that disagrees with a static extent is reported and nothing is written", "[errors]") {
    buffers b;
    b.xs.resize(7);  // not a multiple of n = 4
    const auto step = ctgrad::value_and_grad(loss4, ctgrad::wrt(w4, x4));
    try {
        (void)step(ctgrad::bind(x4, b.xs), ctgrad::bind(w4, b.ws), ctgrad::bind(t, b.ts), b.dw, b.dx);
        FAIL("no exception");
    } catch (const ctgrad::evaluation_error& e) {
        CHECK(e.details().code == ctgrad::errc::size_mismatch);
        CHECK(e.details().variable == "x");
        CHECK(e.details().actual == 7);
        CHECK(std::string(e.what()).find("'x' has 7 elements") != std::string::npos);
    }
    CHECK(b.untouched());
}

TEST_CASE("two bindings that disagree on an axis are reported", "[errors]") {
    buffers b;
    b.ts.resize(6);  // x says B = 2, w says K = 2, t has 6 = 2·3 elements
    float loss = 0;
    const auto s =
        ctgrad::value_and_grad(loss4, ctgrad::wrt(w4, x4))
            .try_evaluate(loss, ctgrad::bind(x4, b.xs), ctgrad::bind(w4, b.ws), ctgrad::bind(t, b.ts), b.dw, b.dx);
    CHECK(s.code == ctgrad::errc::size_mismatch);
    CHECK(s.variable == "t");
    CHECK(s.expected == 4);
    CHECK(b.untouched());
    CHECK(loss == 0);
}

TEST_CASE("a length that disagrees with an extent another binding set names that binding", "[errors]") {
    buffers b;
    b.ts.resize(3 * 2);  // t bound as 3 samples while x holds 2
    float loss = 0;
    const auto s = ctgrad::value_and_grad(loss4, ctgrad::wrt(w4, x4))
                       .try_evaluate(loss, ctgrad::bind(t, b.ts.data(), {3, 2}), ctgrad::bind(x4, b.xs),
                                     ctgrad::bind(w4, b.ws), b.dw, b.dx);
    CHECK(s.code == ctgrad::errc::size_mismatch);
    CHECK(s.variable == "x");
    CHECK_FALSE(s.gradient);
    CHECK(s.axis == "batch");
    CHECK(s.source == "t");
    CHECK_THAT(s.message(), Catch::Contains("its axis 'batch' was set by the binding of 't'"));
    CHECK(b.untouched());
}

TEST_CASE("explicit extents that contradict a static extent are reported", "[errors]") {
    buffers b;
    const auto s = ctgrad::value(loss4).try_evaluate(*std::make_unique<float>(), ctgrad::bind(x4, b.xs.data(), {2, 3}),
                                                     ctgrad::bind(w4, b.ws), ctgrad::bind(t, b.ts));
    CHECK(s.code == ctgrad::errc::extent_conflict);
    CHECK(s.axis == "n");
    CHECK(s.expected == 4);
    CHECK(s.actual == 3);
}

TEST_CASE("extents that no binding determines are reported", "[errors]") {
    std::vector<float> xs(6), ws(6), ts(4);
    float loss = 0;
    // x [batch, n], w [k, n], t [batch, k], all dynamic: lengths 6, 6 and 4 fit several shapes.
    constexpr auto loss_xwt = ctgrad::mse_loss(ctgrad::sigmoid(ctgrad::matmul(x, ctgrad::transpose(w))), t);
    const auto s =
        ctgrad::value(loss_xwt).try_evaluate(loss, ctgrad::bind(x, xs), ctgrad::bind(w, ws), ctgrad::bind(t, ts));
    CHECK(s.code == ctgrad::errc::unresolved_extent);
    CHECK(s.axis == "batch");  // the first axis left open, named with a variable that has it
    CHECK(s.variable == "x");
    CHECK(s.message().find("explicit shape") != std::string::npos);
}

TEST_CASE("null data with a non-zero length is reported", "[errors]") {
    buffers b;
    const float* null = nullptr;
    float loss = 0;
    const auto s = ctgrad::value(loss4).try_evaluate(loss, ctgrad::bind(x4, null, {2, 4}), ctgrad::bind(w4, b.ws),
                                                     ctgrad::bind(t, b.ts));
    CHECK(s.code == ctgrad::errc::null_data);
    CHECK(s.variable == "x");
}

TEST_CASE("wrong gradient buffer lengths and aliasing are reported and nothing is written", "[errors]") {
    const auto step = ctgrad::value_and_grad(loss4, ctgrad::wrt(w4, x4));
    SECTION("too short") {
        buffers b;
        b.dw.resize(7);
        float loss = 0;
        const auto s =
            step.try_evaluate(loss, ctgrad::bind(x4, b.xs), ctgrad::bind(w4, b.ws), ctgrad::bind(t, b.ts), b.dw, b.dx);
        CHECK(s.code == ctgrad::errc::size_mismatch);
        CHECK(s.variable == "w");
        CHECK(s.gradient);  // the gradient buffer, not the data bound to w
        CHECK_THAT(s.message(), Catch::Contains("the gradient buffer for 'w' has 7 elements"));
        CHECK(b.untouched());
    }
    SECTION("gradient written over its own input") {
        buffers b;
        const std::vector<float> ws_before = b.ws;
        float loss = 0;
        const auto s = step.try_evaluate(loss, ctgrad::bind(x4, b.xs), ctgrad::bind(w4, b.ws), ctgrad::bind(t, b.ts),
                                         std::span<float>(b.ws), b.dx);
        CHECK(s.code == ctgrad::errc::aliased_output);
        CHECK(s.variable == "w");
        CHECK(b.ws == ws_before);
    }
    SECTION("two gradients in one buffer") {
        buffers b;
        float loss = 0;
        std::span<float> whole(b.dw);
        const auto s = step.try_evaluate(loss, ctgrad::bind(x4, b.xs), ctgrad::bind(w4, b.ws), ctgrad::bind(t, b.ts),
                                         whole, whole);
        CHECK(s.code == ctgrad::errc::aliased_output);
        CHECK(b.untouched());
    }
}

TEST_CASE("an empty batch gives a NaN mean like PyTorch, and zero gradients", "[errors][numerics]") {
    std::vector<float> xs, ts, ws(8, 0.5f), dw(8, sentinel), dx;
    const auto step = ctgrad::value_and_grad(loss4, ctgrad::wrt(w4, x4));
    auto [loss, gw, gx] = step(ctgrad::bind(x4, xs), ctgrad::bind(w4, ws), ctgrad::bind(t, ts.data(), {0, 2}), dw, dx);
    CHECK(std::isnan(loss));
    for (float g : gw)
        CHECK(g == 0.0f);
    CHECK(gx.empty());
}
