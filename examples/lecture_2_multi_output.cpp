// The lecture's second PyTorch session (a perceptron with two outputs), in C++ with ctgrad.
//
// Prints the session's `In [..]: code` / `Out[..]: value` pairs, numbered as in the lecture,
// with ctgrad's values formatted as PyTorch 1.13 prints them (examples/support/torch_format.hpp), so
// the two can be put side by side. Prompts `In [ ]:` are lines the lecture does not have: the
// loss, o, the lecture's closed form checked against w.grad, and x and w to 8 decimals, from
// which tests/tools/check_lecture_examples.py replays the session in PyTorch.

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <ctgrad/ctgrad.hpp>
#include "support/torch_format.hpp"
#include <random>
#include <vector>

#include "ipython_session.hpp"

using namespace ctgrad;
using io::format_shape;
using io::format_tensor;

// [snippet: lecture-2-model]
constexpr axis<"n", 10> n;                            // 10 input features
constexpr axis<"k", 2> k;                             // two outputs
constexpr auto x = input<"x">(batch, n);              // x: 1x10 (a batch of one sample)
constexpr auto w = parameter<"w">(k, n);              // w: 2x10
constexpr auto o = sigmoid(matmul(x, transpose(w)));  // o: 1x2
constexpr auto loss = mse_loss(ones(1, 1), o);        // the 1x1 target broadcasts against o
// [snippet-end]

using ipython::in;  // IPython's prompts: ipython_session.hpp
using ipython::out;

int main() {
    // torch.randn's generator cannot be reproduced in C++: the same distribution, other numbers
    // (std::normal_distribution's algorithm is the standard library's: libstdc++ here). Drawn
    // in double and rounded to float, so that FMA contraction (-mfma) cannot change them.
    std::mt19937 rng(61);
    std::normal_distribution<double> randn;
    std::vector<float> xs(10), ws(20);
    for (float& v : xs)
        v = static_cast<float>(randn(rng));
    for (float& v : ws)
        v = static_cast<float>(randn(rng));

    // [snippet: lecture-2-backward]
    std::vector<float> dw(ws.size());  // w.grad
    auto step = value_and_grad(loss, wrt(w));
    auto [L, grad_w] = step(bind(x, xs), bind(w, ws), dw);
    // [snippet-end]
    // o itself, by the forward pass: o[batch, k], in float32 as PyTorch computes it.
    const std::array<std::size_t, 2> o_shape{xs.size() / n.extent, k.extent};
    std::vector<float> os(o_shape[0] * o_shape[1]);
    value(o)(bind(x, xs), bind(w, ws), os);

    in(55, "x=torch.randn(1,10)");
    in(56, "w=torch.randn(2,10,requires_grad=True)");
    in(57, "o=torch.sigmoid(x@w.t())");
    in(58, "o.shape");
    out(58, format_shape(o_shape));
    in(59, "loss=F.mse_loss(torch.ones(1,1),o)");
    in(60, "loss");  // the lecture's older PyTorch named the node MeanBackward1
    out(60, format_tensor(L, {.suffixes = {"grad_fn=<MseLossBackward0>"}}));
    in(61, "loss.backward()");
    in(62, "w.grad");
    out(62, format_tensor(grad_w, {2, 10}));

    in(0, "o");
    out(0, format_tensor(os, o_shape, {.suffixes = {"grad_fn=<SigmoidBackward0>"}}));

    // The lecture differentiates E = ½Σ_k(O_k − t_k)²: dE/dw_kj = (O_k − t_k)·O_k·(1 − O_k)·x_j.
    // F.mse_loss is the mean over the B·K elements of o, (1/(B·K))·Σ(O − t)² = (2/(B·K))·E, so
    // its gradient is the lecture's times 2/(B·K): here B·K = 2, so exactly the lecture's. t = 1.
    // [snippet: lecture-2-closed-form]
    const float scale = 2.0f / static_cast<float>(os.size());
    std::vector<float> closed(ws.size());
    for (std::size_t row = 0; row < os.size(); ++row) {  // row k of w.grad, for the output O_k
        const float O = os[row];
        for (std::size_t j = 0; j < xs.size(); ++j)
            closed[row * xs.size() + j] = (O - 1.0f) * O * (1.0f - O) * xs[j] * scale;
    }
    // [snippet-end]
    float diff = 0.0f;
    for (std::size_t i = 0; i < closed.size(); ++i)
        diff = std::fmax(diff, std::fabs(closed[i] - grad_w[i]));
    in(0, "O=o.detach(); ((O-1)*O*(1-O)).t()@x*2/O.numel()");
    out(0, format_tensor(closed, {2, 10}));
    std::printf("# the closed form from o vs ctgrad's w.grad: max |difference| = %.1e\n", diff);

    in(0, "torch.set_printoptions(precision=8)");
    in(0, "x");
    out(0, format_tensor(xs, {1, 10}, {.precision = 8}));
    in(0, "w");
    out(0, format_tensor(ws, {2, 10}, {.precision = 8, .suffixes = {"requires_grad=True"}}));
}
