// A batched perceptron with a bias: 64 samples of 20 features, 3 outputs, the lecture's
// E = ½ Σ (o − t)² summed over the batch. One call computes E and its gradients with respect
// to w, b and x in one fused pass; they are checked against ctgrad::reference::evaluate of
// the derivative expressions grad(E, w), grad(E, b), grad(E, x) (double, node by node).
// Then the two ways bad data is reported: a status from try_evaluate, or an exception.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <ctgrad/ctgrad.hpp>
#include "support/torch_format.hpp"
#include <ctgrad/reference/evaluate.hpp>
#include <iostream>
#include <random>
#include <span>
#include <vector>

using namespace ctgrad;
using io::format_shape;
using io::format_tensor;

// [snippet: batched-model]
constexpr axis<"n", 20> n;  // features
constexpr axis<"k", 3> k;   // outputs
constexpr auto x = input<"x">(batch, n);
constexpr auto t = input<"t">(batch, k);
constexpr auto w = parameter<"w">(k, n);
constexpr auto b = parameter<"b">(k);
constexpr auto o = sigmoid(matmul(x, transpose(w)) + b);  // B x K
constexpr auto E = 0.5_c * sum(pow<2>(o - t));            // E = ½ Σ_bk (o_bk − t_bk)²
// [snippet-end]

namespace {
// The largest |a_i − r_i| between a result and the reference's double values.
double max_diff(std::span<const float> a, const std::vector<double>& r) {
    double d = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        d = std::max(d, std::fabs(static_cast<double>(a[i]) - r.at(i)));
    return d;
}
}  // namespace

int main() {
    constexpr std::size_t B = 64, N = 20, K = 3;
    // Random data, drawn in double then rounded, so that FMA contraction cannot change it.
    std::mt19937 rng(2026);
    std::normal_distribution<double> randn;
    std::uniform_real_distribution<double> rand01;
    auto draw = [&](auto& distribution, double scale) {
        return [&, scale] { return float(scale * distribution(rng)); };
    };
    std::vector<float> xs(B * N), ts(B * K), ws(K * N), bs(K);
    std::ranges::generate(xs, draw(randn, 1.0));
    std::ranges::generate(ts, draw(rand01, 1.0));  // targets in [0, 1]
    std::ranges::generate(ws, draw(randn, 0.3));
    std::ranges::generate(bs, draw(randn, 0.1));

    // [snippet: batched-step]
    const auto bx = bind(x, xs);  // bindings are views of the data
    const auto bt = bind(t, ts);
    const auto bw = bind(w, ws);
    const auto bb = bind(b, bs);
    auto step = value_and_grad(E, wrt(w, b, x));
    std::vector<float> dw(K * N), db(K), dx(B * N);
    auto [loss, grad_w, grad_b, grad_x] = step(bx, bt, bw, bb, dw, db, dx);
    // [snippet-end]

    std::printf("B = %zu samples, N = %zu features, K = %zu outputs\n", B, N, K);
    std::cout << "E = " << format_tensor(loss, {.suffixes = {"grad_fn=<MulBackward0>"}}) << "\n";
    std::cout << "w.grad: " << format_shape({K, N}) << "\n" << format_tensor(grad_w, {K, N}) << "\n";
    std::cout << "b.grad: " << format_shape({K}) << "\n" << format_tensor(grad_b, {K}) << "\n";
    // Over 1000 elements: summarized to the first and last rows and columns, as PyTorch does.
    std::cout << "x.grad: " << format_shape({B, N}) << "\n" << format_tensor(grad_x, {B, N}) << "\n";

    // [snippet: batched-reference]
    const double E_ref = reference::evaluate_scalar(E, bx, bt, bw, bb);
    const reference::tensor gw = reference::evaluate(grad(E, w), bx, bt, bw, bb);
    const reference::tensor gb = reference::evaluate(grad(E, b), bx, bt, bw, bb);
    const reference::tensor gx = reference::evaluate(grad(E, x), bx, bt, bw, bb);
    // [snippet-end]
    std::printf("\nthe fused float pass against the reference evaluator (double):\n");
    std::printf("  |E - reference|                  = %.1e  (E = %.6f)\n", std::fabs(loss - E_ref), E_ref);
    std::printf("  max |w.grad - grad(E, w)|        = %.1e\n", max_diff(grad_w, gw.values));
    std::printf("  max |b.grad - grad(E, b)|        = %.1e\n", max_diff(grad_b, gb.values));
    std::printf("  max |x.grad - grad(E, x)|        = %.1e\n", max_diff(grad_x, gx.values));

    const std::vector<float> gw_before = dw, gx_before = dx;
    // [snippet: batched-errors]
    float e = 0;
    status ok = step.try_evaluate(e, bx, bt, bw, bb, dw, db, dx);
    std::printf("\ntry_evaluate, good data: ok() = %d, E = %.6f\n", ok.ok(), e);

    const auto short_t = bind(t, std::span(ts).first(ts.size() - K));  // 63 rows of t, 64 of x
    status bad = step.try_evaluate(e, bx, short_t, bw, bb, dw, db, dx);
    std::printf("try_evaluate, 63 rows of t: ok() = %d\n  %s\n", bad.ok(), bad.message().c_str());
    try {
        step(bx, short_t, bw, bb, dw, db, dx);
    } catch (const evaluation_error& error) {
        std::printf("evaluation_error: %s\n", error.what());
    }
    // [snippet-end]
    const bool untouched = std::ranges::equal(dw, gw_before) && std::ranges::equal(dx, gx_before);
    std::printf("(on error nothing is written: the gradients are unchanged: %s)\n", untouched ? "yes" : "NO");

    std::printf("\ngradient descent on the same buffers, the call prepared once:\n");
    // [snippet: batched-prepared]
    auto call = step.prepare(bx, bt, bw, bb, dw, db, dx);  // checks the data once
    for (int i = 1; i <= 4; ++i) {
        auto [E_i, grad_w_i, grad_b_i, grad_x_i] = call();  // reads ws and bs as they are now
        std::printf("step %d: E = %.4f\n", i, E_i);
        for (std::size_t j = 0; j < ws.size(); ++j)
            ws[j] -= 0.05f * grad_w_i[j];
        for (std::size_t j = 0; j < bs.size(); ++j)
            bs[j] -= 0.05f * grad_b_i[j];
    }
    // [snippet-end]
}
