// libFuzzer target: random shapes and values, the fused SIMD evaluation of several losses
// against the plain double-precision reference evaluation of the same expressions.
// Built by CTGRAD_BUILD_FUZZERS (clang); run: fuzz_fused -max_total_time=60

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctgrad/ctgrad.hpp>
#include <ctgrad/reference/evaluate.hpp>
#include <vector>

namespace {
using namespace ctgrad;
constexpr axis<"n"> n;
constexpr axis<"k"> k;
constexpr auto x = input<"x">(batch, n);
constexpr auto t = input<"t">(batch, k);
constexpr auto w = parameter<"w">(k, n);
constexpr auto b = parameter<"b">(k);
constexpr auto z = matmul(x, transpose(w)) + b;
constexpr auto o = sigmoid(z);

/// Reads bytes as a stream of small integers and bounded floats.
struct reader {
    const std::uint8_t* p;
    std::size_t n;
    std::uint8_t byte() {
        if (n == 0)
            return 0;
        --n;
        return *p++;
    }
    double value(double scale) { return (static_cast<int>(byte()) - 128) / 128.0 * scale; }
};

double normwise(const std::vector<double>& ref, const auto& got) {
    double diff = 0, scale = 1e-2;  // as the unit tests: float rounding relative to the data's scale
    for (std::size_t i = 0; i < ref.size(); ++i) {
        diff = std::max(diff, std::abs(ref[i] - static_cast<double>(got[i])));
        scale = std::max(scale, std::abs(ref[i]));
    }
    return diff / scale;
}

template <class T, class L>
void check(const L& loss, reader& in, double tolerance) {
    const std::size_t B = in.byte() % 10, N = 1 + in.byte() % 70, K = 1 + in.byte() % 6;
    const double scale = (in.byte() % 4 == 0) ? 40.0 : 2.0;  // sometimes saturate the sigmoid
    std::vector<T> xs(B * N), ws(K * N), bs(K), ts(B * K);
    for (auto& v : xs)
        v = static_cast<T>(in.value(scale));
    for (auto& v : ws)
        v = static_cast<T>(in.value(1.0));
    for (auto& v : bs)
        v = static_cast<T>(in.value(1.0));
    for (auto& v : ts)
        v = static_cast<T>(0.5 + in.value(0.5));
    std::vector<T> dw(K * N), db(K), dx(B * N);
    auto bx = bind(x, xs.data(), {B, N});
    auto bw = bind(w, ws.data(), {K, N});
    auto bb = bind(b, bs);
    auto bt = bind(t, ts.data(), {B, K});
    auto [value, gw, gb, gx] = value_and_grad(loss, wrt(w, b, x))(bx, bw, bb, bt, dw, db, dx);
    if (B == 0)
        return;  // a mean over nothing is NaN in both
    const double ref = reference::evaluate_scalar(loss, bx, bw, bb, bt);
    const double errors[] = {
        std::abs(ref - value) / std::max(std::abs(ref), 1e-2),
        normwise(reference::evaluate(grad(loss, w), bx, bw, bb, bt).values, gw),
        normwise(reference::evaluate(grad(loss, b), bx, bw, bb, bt).values, gb),
        normwise(reference::evaluate(grad(loss, x), bx, bw, bb, bt).values, gx),
    };
    const char* what[] = {"loss", "dw", "db", "dx"};
    for (int i = 0; i < 4; ++i)
        if (!(errors[i] <= tolerance)) {
            std::fprintf(stderr, "mismatch in %s: %g (B=%zu N=%zu K=%zu, %s)\n", what[i], errors[i], B, N, K,
                         sizeof(T) == 4 ? "float" : "double");
            std::abort();
        }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    reader in{data, size};
    switch (in.byte() % 6) {
        // Float tolerances allow for 1 - σ(z) losing digits near saturation (as PyTorch's float
        // sigmoid backward does): a wrong derivative is off by far more than 2e-3.
        case 0:
            check<float>(0.5_c * sum(pow<2>(o - t)), in, 2e-3);
            break;
        case 1:
            check<double>(mse_loss(o, t), in, 1e-9);
            break;
        // BCE on probabilities in double: in float, σ(z) rounds to 1 for z > 17 and the clamped
        // log gives 100 where the double reference gives z (PyTorch's float32 does the same).
        case 2:
            check<double>(binary_cross_entropy(o, t), in, 1e-9);
            break;
        case 3:
            check<float>(binary_cross_entropy_with_logits(z, t), in, 2e-3);
            break;
        case 4:
            check<float>(mean(pow<2>(tanh(z) - t)) + sum(relu(z) * t), in, 2e-3);
            break;
        default:
            check<double>(sum(softplus(z) * t) - mean(exp(-pow<2>(z))), in, 1e-9);
            break;
    }
    return 0;
}
