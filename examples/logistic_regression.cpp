// Logistic regression from scratch: binary_cross_entropy_with_logits plus an L2 term on the
// weights, trained by Adam, then predictions by the forward pass value(z). Quoted, with its
// output, in docs/training.md ("Logistic regression with weight decay").

// [snippet: logistic-regression]
#include <ctgrad/ctgrad.hpp>
#include <ctgrad/optim.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <tuple>
#include <vector>

using namespace ctgrad;

constexpr axis<"n", 5> n;  // 5 features
constexpr axis<"k", 1> k;  // 1 logit
constexpr auto x = input<"x">(batch, n);
constexpr auto t = input<"t">(batch, k);  // labels, 0 or 1
constexpr auto w = parameter<"w">(k, n);
constexpr auto b = parameter<"b">(k);
constexpr auto z = matmul(x, transpose(w)) + b;  // the logits
// The mean loss over the batch plus weight decay on w (torch: loss + 1e-2 * (w ** 2).sum()).
constexpr auto loss = binary_cross_entropy_with_logits(z, t) + 0.01_c * sum(pow<2>(w));

constexpr auto step = value_and_grad(loss, wrt(w, b));  // the loss and dloss/dw, dloss/db
constexpr auto logits = value(z);                       // the forward pass: z for every sample

int main() {
    // 1000 samples, labelled by a noisy linear rule that uses only the first three features.
    std::uint64_t seed = 7;
    auto uniform = [&seed] {  // in [-1, 1), the same numbers on every platform
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        return static_cast<float>(seed >> 40) / static_cast<float>(1 << 23) - 1.0f;
    };
    const std::size_t samples = 1000, train = 800;  // the last 200 are held out
    std::vector<float> xs(samples * 5), ts(samples);
    for (std::size_t i = 0; i < samples; ++i) {
        for (std::size_t j = 0; j < 5; ++j)
            xs[i * 5 + j] = uniform();
        const float score = 2 * xs[i * 5] - 3 * xs[i * 5 + 1] + xs[i * 5 + 2] + 0.5f * uniform();
        ts[i] = score > 0 ? 1.0f : 0.0f;
    }
    const std::span<const float> all_x(xs), all_t(ts);
    const auto train_x = all_x.first(train * 5), train_t = all_t.first(train);
    const auto test_x = all_x.subspan(train * 5), test_t = all_t.subspan(train);

    std::vector<float> ws(5, 0.0f), bs(1, 0.0f), dw(5), db(1);
    optim::adam<float> adam({ws.size(), bs.size()}, {.lr = 0.05f});
    for (int epoch = 1; epoch <= 200; ++epoch) {  // full-batch steps
        const float l = std::get<0>(step(bind(x, train_x), bind(t, train_t), bind(w, ws), bind(b, bs), dw, db));
        adam.step({ws, bs}, {dw, db});
        if (epoch % 50 == 0)
            std::printf("epoch %3d: loss %.4f\n", epoch, l);
    }

    // Accuracy: the predicted label is z > 0 (σ(z) > 0.5).
    auto accuracy = [&](std::span<const float> xs_, std::span<const float> ts_) {
        std::vector<float> zs(ts_.size());
        logits(bind(x, xs_), bind(w, ws), bind(b, bs), zs);
        std::size_t right = 0;
        for (std::size_t i = 0; i < zs.size(); ++i)
            right += (zs[i] > 0) == (ts_[i] == 1.0f);
        return 100.0 * static_cast<double>(right) / static_cast<double>(zs.size());
    };
    std::printf("w = [%.2f, %.2f, %.2f, %.2f, %.2f], b = %.2f\n", ws[0], ws[1], ws[2], ws[3], ws[4], bs[0]);
    const double held_out = accuracy(test_x, test_t);
    std::printf("accuracy: train %.1f %%, held out %.1f %%\n", accuracy(train_x, train_t), held_out);
    return held_out >= 90 ? 0 : 1;
}
// [snippet-end]
