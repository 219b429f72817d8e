// Terms of the parameters alone in a loss (weight decay, 0.01·Σ w², and any other sum or mean
// over an expression of parameters): differentiated by the same rules, lowered as passes over
// the parameters beside the pass over the batch (plan_of::parameter_passes). Value and every
// gradient equal the reference evaluator's, for several losses, both precisions, odd sizes,
// batches of 0, 1 and many; the plans have the passes they should.

#include <catch2/catch.hpp>
#include <cmath>
#include <ctgrad/reference/evaluate.hpp>
#include <vector>

#include "../../examples/pytorch_parity_regularized.hpp"
#include "pytorch_cases.hpp"
#include "test_support.hpp"

namespace {
using namespace ctgrad;
using namespace test_support::model;  // x[batch, n], t[batch, k], w[k, n], b[k], z, o, mse, half_sse

constexpr auto v = parameter<"v">(k, n);  // a second parameter of w's shape
constexpr auto s = parameter<"s">();      // a scalar parameter

// The losses of PyTorch's regularized cases, shared with pytorch_parity (on the same variables
// x, t, w, b as test_support::model's).
using parity::regularized::model::ce_l2;
using parity::regularized::model::l1_w;
using parity::regularized::model::l2_both;
using parity::regularized::model::l2_w;
using parity::regularized::model::params_only;
using parity::regularized::model::y;

constexpr auto mean_tanh = half_sse + mean(tanh(w));
constexpr auto product = mse + 0.1_c * sum(w * v) + sum(pow<2>(w - b)) * 0.5_c;
constexpr auto scalar_param = half_sse + 0.5_c * pow<2>(s) + sum(s * b);

template <class T>
constexpr double tolerance = std::is_same_v<T, float> ? 2e-5 : 1e-11;

bool close(double got, double want, double tol) {
    if (std::isnan(want))
        return std::isnan(got);
    return std::abs(got - want) <= tol * std::max(1.0, std::abs(want));
}

/// value_and_grad(L, wrt(V...)) equals the reference evaluator's loss and grad(L, v) for each v.
template <class T, class L, class... V, class... B>
void check_loss(const L& loss, wrt_t<V...> vars, const B&... bindings) {
    std::vector<std::vector<T>> grads;
    auto sizes = [&](auto var) { return reference::evaluate(grad(loss, var), bindings...).values; };
    const std::vector<std::vector<double>> want{sizes(V{})...};
    for (const auto& g : want)
        grads.emplace_back(g.size(), T(-555));
    const auto step = value_and_grad(loss, vars);
    const T value = [&]<std::size_t... I>(std::index_sequence<I...>) {
        return std::get<0>(step(bindings..., grads[I]...));
    }(std::index_sequence_for<V...>{});
    const double ref = reference::evaluate_scalar(loss, bindings...);
    INFO("loss " << value << ", reference " << ref);
    CHECK(close(value, ref, tolerance<T>));
    for (std::size_t i = 0; i < want.size(); ++i) {
        INFO("gradient " << i);
        CHECK(test_support::normwise_error(grads[i], want[i], 1e-3) < tolerance<T>);
    }
}
}  // namespace

// The plans: one pass over the batch, and one pass over parameters per shape of their terms.
static_assert(detail::plan<decltype(mse), decltype(w)>::parameter_passes::size == 0);
static_assert(detail::plan<decltype(l2_w), decltype(w), decltype(b)>::parameter_passes::size == 1);
static_assert(detail::plan<decltype(l2_both), decltype(w), decltype(b)>::parameter_passes::size == 2);
static_assert(detail::plan<decltype(scalar_param), decltype(s), decltype(b)>::parameter_passes::size == 2);
static_assert(std::is_same_v<detail::plan<decltype(l2_w), decltype(w)>::row_axis, batch_axis>);
// A loss of parameters alone is one pass, along their first axis.
static_assert(detail::plan<decltype(params_only), decltype(w), decltype(b)>::parameter_passes::size == 0);
static_assert(std::is_same_v<detail::plan<decltype(params_only), decltype(w)>::row_axis, std::remove_cvref_t<decltype(k)>>);

TEMPLATE_TEST_CASE("weight decay and other parameter-only terms: value and gradients equal the reference",
                   "[parameter_terms]", float, double) {
    using T = TestType;
    for (std::size_t B : {0, 1, 7, 300})
        for (std::size_t N : {1, 5, 37, 700})
            for (std::size_t K : {1, 3, 10}) {
                INFO("B = " << B << ", N = " << N << ", K = " << K);
                const auto xs = test_support::normal<T>(B * N, 1), ws = test_support::normal<T>(K * N, 2, 0.3);
                const auto vs = test_support::normal<T>(K * N, 5), bs = test_support::normal<T>(K, 3);
                const auto ts = test_support::uniform<T>(B * K, 4);
                const std::vector<T> ss = {T(0.7)};
                const auto bx = bind(x, xs.data(), {B, N});
                const auto bw = bind(w, ws.data(), {K, N});
                const auto bt = bind(t, ts.data(), {B, K});
                check_loss<T>(l2_w, wrt(w, b, x), bx, bw, bind(b, bs), bt);
                check_loss<T>(l2_both, wrt(w, b), bx, bw, bind(b, bs), bt);
                check_loss<T>(mean_tanh, wrt(w, b), bx, bw, bind(b, bs), bt);
                check_loss<T>(product, wrt(w, v, b), bx, bw, bind(v, vs), bind(b, bs), bt);
                check_loss<T>(scalar_param, wrt(s, b, w), bx, bw, bind(b, bs), bt, bind(s, ss));
                check_loss<T>(params_only, wrt(w, b), bw, bind(b, bs));
                check_loss<T>(l1_w, wrt(w, b, x), bx, bw, bind(b, bs), bt);
                // value() of such a loss too.
                CHECK(close(value(l2_both)(bx, bw, bind(b, bs), bt),
                            reference::evaluate_scalar(l2_both, bx, bw, bind(b, bs), bt), tolerance<T>));
            }
}

TEMPLATE_TEST_CASE("weight decay on a two-layer cross-entropy model: one parameter pass per weight's shape",
                   "[parameter_terms]", float, double) {
    using T = TestType;
    constexpr axis<"h"> h;
        constexpr auto w1 = parameter<"w1">(h, n);
    constexpr auto b1 = parameter<"b1">(h);
    constexpr auto w2 = parameter<"w2">(k, h);
    constexpr auto logits = matmul(relu(matmul(x, transpose(w1)) + b1), transpose(w2));
    constexpr auto loss = cross_entropy(logits, y) + 0.001_c * (sum(pow<2>(w1)) + sum(pow<2>(w2)));
    static_assert(detail::plan<decltype(loss), decltype(w1), decltype(w2)>::parameter_passes::size == 2);
    for (std::size_t B : {1, 64})
        for (auto [N, H, K] : {std::array<std::size_t, 3>{3, 5, 2}, {37, 16, 10}}) {
            INFO("B = " << B << ", N = " << N << ", H = " << H << ", K = " << K);
            const auto xs = test_support::normal<T>(B * N, 1), w1s = test_support::normal<T>(H * N, 2, 0.4);
            const auto b1s = test_support::normal<T>(H, 3), w2s = test_support::normal<T>(K * H, 4, 0.4);
            std::vector<T> ys(B);
            for (std::size_t i = 0; i < B; ++i)
                ys[i] = static_cast<T>(i % K);
            check_loss<T>(loss, wrt(w1, b1, w2), bind(x, xs.data(), {B, N}), bind(w1, w1s.data(), {H, N}),
                          bind(b1, b1s), bind(w2, w2s.data(), {K, H}), bind(y, ys));
        }
}

// PyTorch autograd: tests/data/regularized_cases.json (tests/tools/make_regularized_cases.py,
// seed 2032; tests/data/README.md, "Regularized cases"). Each case in its own precision: the
// loss within 1e-5 (float32) or 1e-12 (float64) relative, NaN where PyTorch's is (a mean over
// an empty batch), every gradient within that of PyTorch's relative to its largest |element|.
TEST_CASE("weight decay and L1 terms equal PyTorch autograd", "[parameter_terms][pytorch]") {
    pytorch_cases::for_each_case("regularized_cases.json", 22, [](auto zero, const nlohmann::json& c) {
        using T = decltype(zero);
        const std::size_t B = c["B"], N = c["N"], K = c["K"];
        const auto xs = pytorch_cases::array<T>(c["x"]), ws = pytorch_cases::array<T>(c["w"]);
        const auto bs = pytorch_cases::array<T>(c["b"]), ts = pytorch_cases::array<T>(c["t"]);
        const auto ys = pytorch_cases::array<T>(c["y"]);
        const auto bx = bind(x, xs.data(), {B, N});
        const auto bw = bind(w, ws.data(), {K, N});
        const auto bt = bind(t, ts.data(), {B, K});
        std::vector<T> dw(K * N, T(-555)), db(K, T(-555)), dx(B * N, T(-555));
        T loss{};
        const std::string kind = c["loss"];
        if (kind == "mse_l2")
            loss = std::get<0>(value_and_grad(l2_w, wrt(w, b, x))(bx, bw, bind(b, bs), bt, dw, db, dx));
        else if (kind == "bce_logits_l2")
            loss = std::get<0>(value_and_grad(l2_both, wrt(w, b, x))(bx, bw, bind(b, bs), bt, dw, db, dx));
        else if (kind == "ce_l2")
            loss = std::get<0>(value_and_grad(ce_l2, wrt(w, b, x))(bx, bw, bind(b, bs), bind(y, ys), dw, db, dx));
        else if (kind == "mse_l1")
            loss = std::get<0>(value_and_grad(l1_w, wrt(w, b, x))(bx, bw, bind(b, bs), bt, dw, db, dx));
        else if (kind == "params_only")
            loss = std::get<0>(value_and_grad(params_only, wrt(w, b))(bw, bind(b, bs), dw, db));
        else
            FAIL("unknown loss " << kind);
        const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-12;
        const double want = pytorch_cases::decode(c["loss_value"]);
        INFO("loss " << loss << ", PyTorch " << want);
        CHECK(close(loss, want, tol));
        CHECK(test_support::normwise_error(dw, pytorch_cases::array<double>(c["grad_w"]), 1e-30) < tol);
        CHECK(test_support::normwise_error(db, pytorch_cases::array<double>(c["grad_b"]), 1e-30) < tol);
        if (!c["grad_x"].is_null())
            CHECK(test_support::normwise_error(dx, pytorch_cases::array<double>(c["grad_x"]), 1e-30) < tol);
    });
}
