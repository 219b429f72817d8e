// The next lesson, announced at the end of the lecture (MLP及梯度, 链式法则: the multi-layer
// perceptron and the chain rule): a hidden layer of 3 units between the lecture's 1x10 sample
// and 2 outputs, as a PyTorch session, in C++ with ctgrad.
//
// The session, as typed into IPython (`import torch; import torch.nn.functional as F`):
//
//     x=torch.randn(1,10)
//     w1=torch.randn(3,10,requires_grad=True)
//     b1=torch.randn(3,requires_grad=True)
//     w2=torch.randn(2,3,requires_grad=True)
//     b2=torch.randn(2,requires_grad=True)
//     h=torch.sigmoid(x@w1.t()+b1)             # the hidden layer, 1x3
//     o=torch.sigmoid(h@w2.t()+b2)             # the outputs, 1x2
//     t=torch.tensor([[1.,0.]])
//     loss=F.mse_loss(o,t)                     # the mean of 2 elements: the lecture's ½Σ(O−t)²
//     loss.backward()
//     w1.grad; b1.grad; w2.grad; b2.grad
//     # the chain rule by hand, against w1.grad:
//     H,O=h.detach(),o.detach()
//     d2=(O-t)*O*(1-O)
//     d1=(d2@w2.detach())*H*(1-H)
//     d1.t()@x
//     # the same layers, classified: class indices and F.cross_entropy on the logits z
//     w1.grad=b1.grad=w2.grad=b2.grad=None
//     h=torch.sigmoid(x@w1.t()+b1)
//     z=h@w2.t()+b2
//     y=torch.tensor([0])
//     loss=F.cross_entropy(z,y)
//     loss.backward()
//     w1.grad; b1.grad; w2.grad; b2.grad
//
// The example prints these lines as `In [..]:` prompts with ctgrad's values as `Out[..]:`,
// formatted as PyTorch 1.13 prints them (examples/support/torch_format.hpp), and ends by printing its
// data to 8 decimals. torch.randn's numbers cannot be drawn in C++: tests/tools/
// check_lecture_examples.py runs the session in PyTorch with this data instead, and CTest
// compares every Out with PyTorch's (tests/data/pytorch_sessions/lecture_4_two_layer.txt).

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <ctgrad/ctgrad.hpp>
#include "support/torch_format.hpp"
#include <ctgrad/reference/evaluate.hpp>
#include <random>
#include <tuple>
#include <vector>

#include "ipython_session.hpp"

using namespace ctgrad;
using io::format_tensor;
using ipython::in;
using ipython::out;

// [snippet: lecture-4-model]
constexpr axis<"n", 10> n;                                  // 10 input features
constexpr axis<"m", 3> m;                                   // 3 hidden units
constexpr axis<"k", 2> k;                                   // 2 outputs
constexpr auto x = input<"x">(batch, n);                    // x: 1x10
constexpr auto w1 = parameter<"w1">(m, n);                  // w1: 3x10
constexpr auto b1 = parameter<"b1">(m);                     // b1: 3
constexpr auto w2 = parameter<"w2">(k, m);                  // w2: 2x3
constexpr auto b2 = parameter<"b2">(k);                     // b2: 2
constexpr auto h = sigmoid(matmul(x, transpose(w1)) + b1);  // h=torch.sigmoid(x@w1.t()+b1)
constexpr auto z = matmul(h, transpose(w2)) + b2;           // z=h@w2.t()+b2, the logits
constexpr auto o = sigmoid(z);                              // o=torch.sigmoid(h@w2.t()+b2)
// [snippet-end]

// [snippet: lecture-4-losses]
constexpr auto t = input<"t">(batch, k);  // targets: t=torch.tensor([[1.,0.]])
constexpr auto mse = mse_loss(o, t);      // loss=F.mse_loss(o,t)
constexpr auto y = input<"y">(batch);     // class indices: y=torch.tensor([0])
constexpr auto ce = cross_entropy(z, y);  // loss=F.cross_entropy(z,y)
// [snippet-end]

int main() {
    constexpr std::size_t N = 10, M = 3, K = 2;
    // torch.randn's generator cannot be reproduced in C++: the same distribution, other numbers,
    // drawn in double and rounded to float, so that FMA contraction (-mfma) cannot change them.
    std::mt19937 rng(4);
    std::normal_distribution<double> randn;
    std::vector<float> xs(N), w1s(M * N), b1s(M), w2s(K * M), b2s(K);
    for (auto* v : {&xs, &w1s, &b1s, &w2s, &b2s})
        for (float& e : *v)
            e = static_cast<float>(randn(rng));
    const std::vector<float> ts{1.0f, 0.0f}, ys{0.0f};  // y: the class index 0, as a float

    int line = 0;  // the session's prompts, numbered from 1
    in(++line, "x=torch.randn(1,10)");
    in(++line, "w1=torch.randn(3,10,requires_grad=True)");
    in(++line, "b1=torch.randn(3,requires_grad=True)");
    in(++line, "w2=torch.randn(2,3,requires_grad=True)");
    in(++line, "b2=torch.randn(2,requires_grad=True)");
    in(++line, "h=torch.sigmoid(x@w1.t()+b1)");
    in(++line, "o=torch.sigmoid(h@w2.t()+b2)");
    // h and o themselves, from the reference evaluator (double), as the float32 tensors PyTorch has.
    const auto params = std::make_tuple(bind(x, xs), bind(w1, w1s), bind(b1, b1s), bind(w2, w2s), bind(b2, b2s));
    auto values_of = [&](auto e) {
        const reference::tensor r = std::apply([&](auto... b) { return reference::evaluate(e, b...); }, params);
        return std::vector<float>(r.values.begin(), r.values.end());
    };
    const std::vector<float> hs = values_of(h), os = values_of(o);
    in(++line, "o");
    out(line, format_tensor(os, {1, K}, {.suffixes = {"grad_fn=<SigmoidBackward0>"}}));

    // [snippet: lecture-4-mse-backward]
    std::vector<float> dw1(M * N), db1(M), dw2(K * M), db2(K);  // w1.grad, b1.grad, w2.grad, b2.grad
    auto mse_step = value_and_grad(mse, wrt(w1, b1, w2, b2));
    auto [loss, g_w1, g_b1, g_w2, g_b2] = mse_step(bind(x, xs), bind(t, ts), bind(w1, w1s), bind(b1, b1s),
                                                   bind(w2, w2s), bind(b2, b2s), dw1, db1, dw2, db2);
    // [snippet-end]
    // The loss, then backward() and the four gradients, as PyTorch prints them.
    auto print_backward = [&](float L, const char* grad_fn, auto gw1, auto gb1, auto gw2, auto gb2) {
        in(++line, "loss");
        out(line, format_tensor(L, {.suffixes = {grad_fn}}));
        in(++line, "loss.backward()");
        in(++line, "w1.grad");
        out(line, format_tensor(gw1, {M, N}));
        in(++line, "b1.grad");
        out(line, format_tensor(gb1, {M}));
        in(++line, "w2.grad");
        out(line, format_tensor(gw2, {K, M}));
        in(++line, "b2.grad");
        out(line, format_tensor(gb2, {K}));
    };
    in(++line, "t=torch.tensor([[1.,0.]])");
    in(++line, "loss=F.mse_loss(o,t)");
    print_backward(loss, "grad_fn=<MseLossBackward0>", g_w1, g_b1, g_w2, g_b2);

    // The chain rule by hand, from h and o. F.mse_loss is the mean over B·K = 2 elements,
    // ½Σ_k(O_k − t_k)²: the lecture's E, so its gradients are the lecture's formulas unscaled.
    // [snippet: lecture-4-chain-rule]
    std::vector<float> d2(K), d1(M), closed(M * N);
    for (std::size_t kk = 0; kk < K; ++kk)  // the output layer's term, as in the lecture
        d2[kk] = (os[kk] - ts[kk]) * os[kk] * (1.0f - os[kk]);
    for (std::size_t mm = 0; mm < M; ++mm) {  // back through w2 and the hidden sigmoid
        float back = 0.0f;
        for (std::size_t kk = 0; kk < K; ++kk)
            back += d2[kk] * w2s[kk * M + mm];
        d1[mm] = back * hs[mm] * (1.0f - hs[mm]);
    }
    for (std::size_t mm = 0; mm < M; ++mm)  // dE/dw1_mj = d1_m x_j
        for (std::size_t j = 0; j < N; ++j)
            closed[mm * N + j] = d1[mm] * xs[j];
    // [snippet-end]
    float diff = 0.0f;
    for (std::size_t i = 0; i < closed.size(); ++i)
        diff = std::fmax(diff, std::fabs(closed[i] - g_w1[i]));
    in(++line, "H,O=h.detach(),o.detach()");
    in(++line, "d2=(O-t)*O*(1-O)");
    in(++line, "d1=(d2@w2.detach())*H*(1-H)");
    in(++line, "d1.t()@x");
    out(line, format_tensor(closed, {M, N}));
    std::printf("# the chain rule from h and o vs ctgrad's w1.grad: max |difference| = %.1e\n", diff);

    // [snippet: lecture-4-ce-backward]
    auto ce_step = value_and_grad(ce, wrt(w1, b1, w2, b2));
    auto [ce_loss, c_w1, c_b1, c_w2, c_b2] = ce_step(bind(x, xs), bind(y, ys), bind(w1, w1s), bind(b1, b1s),
                                                     bind(w2, w2s), bind(b2, b2s), dw1, db1, dw2, db2);
    // [snippet-end]
    in(++line, "w1.grad=b1.grad=w2.grad=b2.grad=None");
    in(++line, "h=torch.sigmoid(x@w1.t()+b1)");
    in(++line, "z=h@w2.t()+b2");
    in(++line, "y=torch.tensor([0])");
    in(++line, "loss=F.cross_entropy(z,y)");
    print_backward(ce_loss, "grad_fn=<NllLossBackward0>", c_w1, c_b1, c_w2, c_b2);

    // The data, for the replay in PyTorch.
    in(++line, "torch.set_printoptions(precision=8)");
    in(++line, "x");
    out(line, format_tensor(xs, {1, N}, {.precision = 8}));
    const io::format_options leaf{.precision = 8, .suffixes = {"requires_grad=True"}};
    in(++line, "w1");
    out(line, format_tensor(w1s, {M, N}, leaf));
    in(++line, "b1");
    out(line, format_tensor(b1s, {M}, leaf));
    in(++line, "w2");
    out(line, format_tensor(w2s, {K, M}, leaf));
    in(++line, "b2");
    out(line, format_tensor(b2s, {K}, leaf));
}
