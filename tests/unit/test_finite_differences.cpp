// Derivatives against central finite differences, in double, on expressions other than the
// lecture's, built from the same operations. The loss is evaluated by the reference
// evaluator; the derivative is checked twice: the derivative expression evaluated by the
// reference evaluator, and the fused program's gradients.

#include <catch2/catch.hpp>
#include <cmath>
#include <ctgrad/ctgrad.hpp>
#include <ctgrad/reference/evaluate.hpp>
#include <vector>

#include "finite_differences.hpp"
#include "test_support.hpp"

namespace {
using namespace ctgrad;
using test_support::finite_difference;
using test_support::normal;
using test_support::uniform;
using test_support::worst_relative_error;

constexpr axis<"n"> n;
constexpr axis<"k"> k;
constexpr auto x = input<"x">(batch, n);
constexpr auto t = input<"t">(batch, k);
constexpr auto w = parameter<"w">(k, n);
constexpr auto v = parameter<"v">(k, n);
constexpr auto b = parameter<"b">(k);
constexpr auto z = matmul(x, transpose(w)) + b;
constexpr auto o = sigmoid(z);

struct data {
    std::size_t B, N, K;
    std::vector<double> xs, ts, ws, vs, bs;
    data(std::size_t B_, std::size_t N_, std::size_t K_, unsigned seed)
        : B(B_),
          N(N_),
          K(K_),
          xs(normal<double>(B * N, seed)),
          ts(uniform<double>(B * K, seed + 1)),
          ws(normal<double>(K * N, seed + 2, 0.5)),
          vs(normal<double>(K * N, seed + 3, 0.5)),
          bs(normal<double>(K, seed + 4, 0.1)) {}
};

// Checks ∂L/∂(each of x, t, w, b) three ways; the loss must use exactly x, t, w, b.
template <class L>
void check_xtwb(const L& loss, data& d) {
    auto bind_all = [&] {
        return std::make_tuple(bind(x, d.xs.data(), {d.B, d.N}), bind(t, d.ts.data(), {d.B, d.K}),
                               bind(w, d.ws.data(), {d.K, d.N}), bind(b, d.bs.data(), {d.K}));
    };
    std::vector<double> dx(d.xs.size()), dt(d.ts.size()), dw(d.ws.size()), db(d.bs.size());
    auto [value, gx, gt, gw, gb] = std::apply(
        [&](auto&&... bs) { return value_and_grad(loss, wrt(x, t, w, b))(bs..., dx, dt, dw, db); }, bind_all());
    const double ref_value =
        std::apply([&](auto&&... bs) { return reference::evaluate_scalar(loss, bs...); }, bind_all());
    CHECK(value == Approx(ref_value).epsilon(1e-12));

    auto check = [&](const char* name, auto derivative, std::vector<double>& var, std::span<double> fused) {
        INFO("gradient of " << name);
        const auto fd = finite_difference(loss, var, bind_all);
        const auto symbolic =
            std::apply([&](auto&&... bs) { return reference::evaluate(derivative, bs...); }, bind_all()).values;
        CHECK(worst_relative_error(symbolic, fd, 1e-3) < 1e-6);
        CHECK(worst_relative_error(fused, symbolic, 1e-9) < 1e-10);
    };
    check("x", grad(loss, x), d.xs, gx);
    check("t", grad(loss, t), d.ts, gt);
    check("w", grad(loss, w), d.ws, gw);
    check("b", grad(loss, b), d.bs, gb);
}
}  // namespace

TEST_CASE("finite differences: exp, log and division around a perceptron", "[fd]") {
    data d(5, 7, 3, 11);
    check_xtwb(mean(exp(-z) * log(1_c + o) + t / (2_c + o)), d);
}

TEST_CASE("finite differences: a cross-entropy written by hand", "[fd]") {
    data d(6, 9, 2, 12);
    check_xtwb(-mean(t * log(o) + (1_c - t) * log(1_c - o)), d);
}

TEST_CASE("finite differences: powers, quotients and negation", "[fd]") {
    data d(4, 13, 4, 13);
    check_xtwb(sum(pow<3>(o - t) / (1_c + exp(z))) - 0.25_c * sum(-(z * t)), d);
}

TEST_CASE("finite differences: a sum of two losses sharing z", "[fd]") {
    data d(9, 5, 1, 14);
    check_xtwb(0.5_c * sum(pow<2>(o - t)) + mse_loss(z, t), d);
}

TEST_CASE("finite differences: two weight matrices on one input", "[fd]") {
    data d(7, 6, 3, 15);
    constexpr auto u = sigmoid(matmul(x, transpose(v)));
    constexpr auto loss = mean(pow<2>(o - t)) + 0.5_c * sum(pow<2>(u * o - t));
    auto bind_all = [&] {
        return std::make_tuple(bind(x, d.xs.data(), {d.B, d.N}), bind(t, d.ts.data(), {d.B, d.K}),
                               bind(w, d.ws.data(), {d.K, d.N}), bind(v, d.vs.data(), {d.K, d.N}),
                               bind(b, d.bs.data(), {d.K}));
    };
    std::vector<double> dv(d.vs.size()), dx(d.xs.size());
    auto [value, gv, gx] =
        std::apply([&](auto&&... bs) { return value_and_grad(loss, wrt(v, x))(bs..., dv, dx); }, bind_all());
    (void)value;
    CHECK(worst_relative_error(gv, finite_difference(loss, d.vs, bind_all), 1e-3) < 1e-6);
    CHECK(worst_relative_error(gx, finite_difference(loss, d.xs, bind_all), 1e-3) < 1e-6);
}

TEST_CASE("finite differences: one sample, the pass of one row in scalars", "[fd]") {
    // A grid of a few elements takes the executor's one-row scalar path, which stores each gradient
    // into its buffer instead of adding (executor::store_term): every kind of term, there.
    for (std::size_t K : {1, 2}) {
        INFO("K = " << K);
        data d(1, 7, K, 16);
        check_xtwb(mean(exp(-z) * log(1_c + o) + t / (2_c + o)), d);
        check_xtwb(sum(pow<3>(o - t) / (1_c + exp(z))) - 0.25_c * sum(-(z * t)), d);
    }
}

TEST_CASE("finite differences: a scalar and a per-sample variable", "[fd]") {
    constexpr auto s = parameter<"s">();   // one number: its gradient sums the whole grid
    constexpr auto r = input<"r">(batch);  // one number per sample: sums over the outputs
    constexpr auto loss = 0.5_c * sum(pow<2>(o * s + r - t));
    for (std::size_t B : {1, 2, 5})
        for (std::size_t K : {1, 2, 3}) {
            INFO("B = " << B << ", K = " << K);
            data d(B, 7, K, 17);
            std::vector<double> ss{1.5}, rs = normal<double>(B, 18, 0.3);
            auto bind_all = [&] {
                return std::make_tuple(bind(x, d.xs.data(), {d.B, d.N}), bind(t, d.ts.data(), {d.B, d.K}),
                                       bind(w, d.ws.data(), {d.K, d.N}), bind(b, d.bs.data(), {d.K}), bind(s, ss),
                                       bind(r, rs));
            };
            // Stale values in the buffers: every gradient must overwrite them.
            std::vector<double> ds(1, 9.0), dr(B, 9.0), dt(B * K, 9.0), dw(K * d.N, 9.0);
            std::apply([&](auto&&... bs) { return value_and_grad(loss, wrt(s, r, t, w))(bs..., ds, dr, dt, dw); },
                       bind_all());
            CHECK(worst_relative_error(ds, finite_difference(loss, ss, bind_all), 1e-3) < 1e-6);
            CHECK(worst_relative_error(dr, finite_difference(loss, rs, bind_all), 1e-3) < 1e-6);
            CHECK(worst_relative_error(dt, finite_difference(loss, d.ts, bind_all), 1e-3) < 1e-6);
            CHECK(worst_relative_error(dw, finite_difference(loss, d.ws, bind_all), 1e-3) < 1e-6);
        }
}
