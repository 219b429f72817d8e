// The fused SIMD program against the plain double-precision reference evaluation, for every
// N = 1…67 (every tail length of every vector width), K = 1…5 and B = 1…9 (and many rows), in float and
// double, for the value and the gradients of w, b and x. Errors are normwise (relative to the
// largest element of each gradient), since gradient elements are sums that can cancel.

#include <catch2/catch.hpp>
#include <ctgrad/reference/evaluate.hpp>
#include <vector>

#include "test_support.hpp"

namespace {
using namespace test_support::model;
using test_support::normal;
using test_support::normwise_error;
using test_support::uniform;

std::vector<std::size_t> one_to(std::size_t n) {
    std::vector<std::size_t> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = i + 1;
    return v;
}

template <class T, class Loss>
double worst_error_over_sizes(const Loss& loss, const std::vector<std::size_t>& Ns, const std::vector<std::size_t>& Ks,
                              const std::vector<std::size_t>& Bs) {
    const auto step = ctgrad::value_and_grad(loss, ctgrad::wrt(w, b, x));
    double worst = 0;
    unsigned seed = 1;
    for (std::size_t N : Ns)
        for (std::size_t K : Ks)
            for (std::size_t B : Bs) {
                auto xs = normal<T>(B * N, ++seed), ws = normal<T>(K * N, ++seed, 0.3), bs = normal<T>(K, ++seed, 0.1);
                auto ts = uniform<T>(B * K, ++seed);
                std::vector<T> dw(K * N), db(K), dx(B * N);
                auto bx = ctgrad::bind(x, xs.data(), {B, N});
                auto bw = ctgrad::bind(w, ws.data(), {K, N});
                auto bb = ctgrad::bind(b, bs);
                auto bt = ctgrad::bind(t, ts.data(), {B, K});
                auto [value, gw, gb, gx] = step(bx, bw, bb, bt, dw, db, dx);
                // The error scale: the largest element, but at least `floor`. A float sum of B terms of
                // size ~0.1 that cancels to 1e-4 still carries the terms' rounding (~1e-8), so the
                // float floor is 1e-2; a wrong derivative is off by far more.
                const double floor = std::is_same_v<T, float> ? 1e-2 : 1e-14;
                const double ref = ctgrad::reference::evaluate_scalar(loss, bx, bw, bb, bt);
                worst = std::max(worst, std::abs(value - ref) / std::max(std::abs(ref), floor));
                worst = std::max(
                    worst,
                    normwise_error(gw, ctgrad::reference::evaluate(grad(loss, w), bx, bw, bb, bt).values, floor));
                worst = std::max(
                    worst,
                    normwise_error(gb, ctgrad::reference::evaluate(grad(loss, b), bx, bw, bb, bt).values, floor));
                worst = std::max(
                    worst,
                    normwise_error(gx, ctgrad::reference::evaluate(grad(loss, x), bx, bw, bb, bt).values, floor));
            }
    return worst;
}
}  // namespace

TEST_CASE("fused float kernel matches the double reference for every N, K, B", "[lowering]") {
    const double worst = worst_error_over_sizes<float>(half_sse, one_to(67), one_to(5), one_to(9));
    INFO("worst relative error " << worst);
    CHECK(worst < 1e-5);  // float accumulation over at most 67 products: a few ulps of the scale
}

TEST_CASE("fused double kernel matches the double reference for every N, K, B", "[lowering]") {
    const double worst = worst_error_over_sizes<double>(mse, one_to(67), one_to(5), one_to(9));
    INFO("worst relative error " << worst);
    CHECK(worst < 1e-10);
}

// Batches of 16 rows and more take other kernels: short rows one row per SIMD lane (all
// instruction sets, every lane count), rows of 513+ floats by register blocks, and tiles of 16
// rows or more fold four outputs at a time into the weight gradient (K >= 4).
TEST_CASE("fused kernel matches the reference on many rows: rows in lanes, column blocks", "[lowering]") {
    const std::vector<std::size_t> Ns{1, 7, 16, 17, 64, 65, 300, 600}, Ks{1, 2, 4, 5, 9}, Bs{16, 33, 100, 300};
    const double worst_float = worst_error_over_sizes<float>(half_sse, Ns, Ks, Bs);
    INFO("float: worst relative error " << worst_float);
    CHECK(worst_float < 2e-5);  // sums of up to 600 products
    const double worst_double = worst_error_over_sizes<double>(mse, Ns, Ks, Bs);
    INFO("double: worst relative error " << worst_double);
    CHECK(worst_double < 1e-10);
}

TEST_CASE("fused kernel handles tiles larger than one: many rows and wide outputs", "[lowering]") {
    // B·K beyond one tile (256 grid elements), and K beyond one tile row.
    CHECK(worst_error_over_sizes<double>(half_sse, one_to(40), {1}, {1}) < 1e-10);
    for (std::size_t K : {255, 256, 257, 600}) {
        for (std::size_t B : {1, 3, 700}) {
            INFO("K = " << K << ", B = " << B);
            const std::size_t N = 9;
            auto xs = normal<double>(B * N, 1), ws = normal<double>(K * N, 2, 0.3), bs = normal<double>(K, 3, 0.1);
            auto ts = uniform<double>(B * K, 4);
            std::vector<double> dw(K * N), db(K), dx(B * N);
            auto bx = ctgrad::bind(x, xs.data(), {B, N});
            auto bw = ctgrad::bind(w, ws.data(), {K, N});
            auto bb = ctgrad::bind(b, bs);
            auto bt = ctgrad::bind(t, ts.data(), {B, K});
            auto [value, gw, gb, gx] = ctgrad::value_and_grad(mse, ctgrad::wrt(w, b, x))(bx, bw, bb, bt, dw, db, dx);
            CHECK(value == Approx(ctgrad::reference::evaluate_scalar(mse, bx, bw, bb, bt)).epsilon(1e-12));
            CHECK(normwise_error(gw, ctgrad::reference::evaluate(grad(mse, w), bx, bw, bb, bt).values, 1e-14) < 1e-10);
            CHECK(normwise_error(gb, ctgrad::reference::evaluate(grad(mse, b), bx, bw, bb, bt).values, 1e-14) < 1e-10);
            CHECK(normwise_error(gx, ctgrad::reference::evaluate(grad(mse, x), bx, bw, bb, bt).values, 1e-14) < 1e-10);
        }
    }
}

TEST_CASE("tiles of long rows are whole blocks of the forward kernel", "[lowering]") {
    namespace lw = ctgrad::lowering;
    for (std::size_t R = 1; R <= 64; ++R) {
        INFO("R = " << R);
        const std::size_t r = lw::detail::whole_forward_blocks<float>(R, 1000);  // long rows in every instruction set
        CHECK(r >= 1);
        CHECK(r <= R);
        CHECK(R - r <= 3);  // at most three rows fewer per tile
        if (R > 4)
            CHECK((r % 6 == 0 || r % 6 == 4));  // blocks of six, then four: no row left alone
        else
            CHECK(r == R);
        if (lw::width<float> > 1)
            CHECK(lw::detail::whole_forward_blocks<float>(R, 1) == R);  // short rows, one per lane: unchanged
    }
}

// Short rows with many outputs take the outputs-in-lanes kernels (lower/outputs_in_lanes.hpp):
// every output count around whole vectors of 2, 4, 8 and 16 lanes and past the register blocks
// (K up to 64), rows of 1 to 63 elements, batches that leave row blocks of 8 and 4 partial.
TEST_CASE("fused kernel matches the reference with the outputs in lanes: short rows, many outputs", "[lowering]") {
    const std::vector<std::size_t> Ns{1, 3, 5, 17, 33, 63}, Ks{2, 3, 7, 8, 9, 15, 16, 17, 24, 31, 33, 64},
        Bs{16, 37, 70};
    std::size_t taken_float = 0, taken_double = 0;
    for (std::size_t N : Ns)
        for (std::size_t K : Ks) {
            taken_float += ctgrad::lowering::detail::outputs_in_lanes<float>(N, K);
            taken_double += ctgrad::lowering::detail::outputs_in_lanes<double>(N, K);
        }
    if (ctgrad::lowering::width<float> > 1) {  // the sizes exercise the kernels, not only the old ones
        CHECK(taken_float >= Ns.size() * Ks.size() / 2);
        CHECK(taken_double >= Ns.size() * Ks.size() / 3);
    }
    const double worst_float = worst_error_over_sizes<float>(half_sse, Ns, Ks, Bs);
    INFO("float: worst relative error " << worst_float);
    CHECK(worst_float < 1e-5);
    const double worst_double = worst_error_over_sizes<double>(mse, Ns, Ks, Bs);
    INFO("double: worst relative error " << worst_double);
    CHECK(worst_double < 1e-10);
}
