// Saturation and large inputs: where σ rounds to exactly 0 or 1 the gradient is exactly 0,
// as in PyTorch, and |z| up to 1e4 never produces NaN or infinity.

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "test_support.hpp"

namespace {
using namespace test_support::model;

template <class T>
void check_saturated(double scale) {
    // One feature, so z = x·w + b exactly; z spans ±scale.
    const std::size_t B = 6, N = 1, K = 2;
    std::vector<T> xs = {T(-1), T(-0.5), T(-0.25), T(0.25), T(0.5), T(1)};
    std::vector<T> ws = {T(scale), T(-scale)}, bs = {T(0), T(0)};
    std::vector<T> ts(B * K, T(0.5));
    std::vector<T> dw(K * N), db(K), dx(B * N);
    auto [loss, gw, gb, gx] = ctgrad::value_and_grad(half_sse, ctgrad::wrt(w, b, x))(
        ctgrad::bind(x, xs.data(), {B, N}), ctgrad::bind(w, ws.data(), {K, N}), ctgrad::bind(b, bs),
        ctgrad::bind(t, ts.data(), {B, K}), dw, db, dx);
    // Every output is 0 or 1 exactly: each contributes ½·0.25 to the loss, nothing to gradients.
    CHECK(loss == Approx(0.125 * B * K));
    for (T g : gw)
        CHECK(g == T(0));
    for (T g : gb)
        CHECK(g == T(0));
    for (T g : gx)
        CHECK(g == T(0));
}
}  // namespace

TEST_CASE("saturated sigmoid gives exactly zero gradients", "[numerics]") {
    // σ(z) is exactly 1 once e^-z < ulp(1)/2 and exactly 0 once e^-z overflows:
    // |z| > 88.8 in float, |z| > 709.8 in double. The smallest |z| here is scale / 4.
    SECTION("float, |z| from 100 to 400") {
        check_saturated<float>(400);
    }
    SECTION("float, |z| up to 1e4") {
        check_saturated<float>(1e4);
    }
    SECTION("double, |z| from 1e3 to 4e3") {
        check_saturated<double>(4e3);
    }
}

TEST_CASE("large |z| never produces NaN or infinity", "[numerics]") {
    for (double z : {-1e4, -1e3, -100.0, -88.0, -20.0, 20.0, 88.0, 100.0, 1e3, 1e4}) {
        INFO("z = " << z);
        std::vector<float> xs = {1.0f}, ws = {float(z)}, bs = {0.0f}, ts = {0.3f};
        std::vector<float> dw(1), db(1), dx(1);
        auto [loss, gw, gb, gx] = ctgrad::value_and_grad(mse, ctgrad::wrt(w, b, x))(
            ctgrad::bind(x, xs), ctgrad::bind(w, ws), ctgrad::bind(b, bs), ctgrad::bind(t, ts), dw, db, dx);
        CHECK(std::isfinite(loss));
        CHECK(std::isfinite(gw[0]));
        CHECK(std::isfinite(gb[0]));
        CHECK(std::isfinite(gx[0]));
        CHECK(loss == Approx(z > 0 ? 0.49 : 0.09).epsilon(1e-6));
    }
}
