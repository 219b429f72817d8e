// The README's starter, a whole program: a logistic regression on 200 two-dimensional points,
// with weight decay in the loss, trained by mini-batch Adam (ctgrad::optim, torch.optim's
// update rule), its loss and accuracy printed as it trains.
// tests/consumers/ builds this same file as an installed package, with add_subdirectory, with
// FetchContent and with a plain compiler command line and pkg-config; CTest runs it here too.
// It exits 1 if the accuracy misses its target.

// [snippet: quick-start]
#include <ctgrad/ctgrad.hpp>
#include <ctgrad/optim.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <tuple>
#include <vector>

using namespace ctgrad;

// The model, written once as an expression: p(label = 1 | x) = sigmoid(x·wᵀ + b).
constexpr axis<"n", 2> n;                 // 2 features per sample
constexpr axis<"k", 1> k;                 // 1 output: the logit
constexpr auto x = input<"x">(batch, n);  // samples [batch, n]; the batch size comes with the data
constexpr auto t = input<"t">(batch, k);  // their labels, 0 or 1
constexpr auto w = parameter<"w">(k, n);  // weights [k, n], as torch.nn.Linear's
constexpr auto b = parameter<"b">(k);     // bias [k]
constexpr auto z = matmul(x, transpose(w)) + b;                // the logits, [batch, k]
constexpr auto loss = binary_cross_entropy_with_logits(z, t)  // mean over the batch
                      + 0.001_c * sum(pow<2>(w));            // + weight decay (L2) on w

// Differentiated at compile time: one call computes the loss and dloss/dw, dloss/db in one
// fused SIMD pass over the data.
constexpr auto step = value_and_grad(loss, wrt(w, b));

int main() {
    // 200 points in [-1, 1)², labelled 1 above the line x1 = 0.5 x0 - 0.2, with some noise.
    // A small generator of our own: the same numbers on every platform.
    std::uint64_t seed = 2026;
    auto uniform = [&seed] {  // in [-1, 1)
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        return static_cast<float>(seed >> 40) / static_cast<float>(1 << 23) - 1.0f;
    };
    const std::size_t samples = 200;
    std::vector<float> xs(samples * 2), ts(samples);
    for (std::size_t i = 0; i < samples; ++i) {
        xs[2 * i] = uniform();
        xs[2 * i + 1] = uniform();
        const float noise = 0.2f * uniform();
        ts[i] = xs[2 * i + 1] - 0.5f * xs[2 * i] + 0.2f + noise > 0 ? 1.0f : 0.0f;
    }

    std::vector<float> ws = {0.0f, 0.0f}, bs = {0.0f};  // the parameters
    std::vector<float> dw(2), db(1);                     // their gradients, written by step
    optim::adam<float> adam({ws.size(), bs.size()}, {.lr = 0.1f});  // torch.optim.Adam([w, b], lr=0.1)
    const std::size_t batch_size = 50;
    const std::span<const float> all_x(xs), all_t(ts);
    // Predictions: the forward pass value(z) writes the logits of every sample into a buffer.
    std::vector<float> logits(samples);
    auto correct = [&] {
        value(z)(bind(x, xs), bind(w, ws), bind(b, bs), logits);
        std::size_t right = 0;
        for (std::size_t i = 0; i < samples; ++i) right += (logits[i] > 0) == (ts[i] == 1.0f);
        return right;
    };
    for (int epoch = 1; epoch <= 100; ++epoch) {
        float epoch_loss = 0;
        for (std::size_t first = 0; first < samples; first += batch_size) {
            // Bindings are views: this mini-batch is rows [first, first + batch_size).
            const float l = std::get<0>(step(bind(x, all_x.subspan(first * 2, batch_size * 2)),
                                             bind(t, all_t.subspan(first, batch_size)),  //
                                             bind(w, ws), bind(b, bs), dw, db));
            adam.step({ws, bs}, {dw, db});  // optimizer.step(): no zero_grad, step overwrites dw, db
            epoch_loss += l * batch_size / samples;
        }
        if (epoch % 20 == 0)
            std::printf("epoch %3d: loss %.3f, accuracy %zu of %zu\n", epoch, epoch_loss, correct(), samples);
    }
    std::printf("w = [%.2f, %.2f], b = %.2f\n", ws[0], ws[1], bs[0]);
    return correct() >= 180 ? 0 : 1;  // at least 90 %
}
// [snippet-end]
