// The forward pass, value(e) of an expression with axes: on the one executor, equal to the
// reference evaluator for several models (a perceptron, two-layer tanh and relu MLPs, logits,
// a hidden layer, per-sample losses), both precisions, odd sizes, batches of 0, 1 and many;
// argmax into integer and floating buffers; the checks (sizes, aliasing, nothing written on
// error), try_evaluate and prepare.

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <ctgrad/reference/evaluate.hpp>
#include <limits>
#include <optional>
#include <vector>

#include "../../examples/pytorch_parity_forward.hpp"
#include "pytorch_cases.hpp"
#include "test_support.hpp"

namespace {
using namespace ctgrad;

// The models of PyTorch's forward cases, shared with pytorch_parity (x, y, w1, b1, w2, b2, the
// class axis k, and hidden_tanh, hidden_relu, logits_tanh, logits_relu, bare_logits, perceptron,
// per_sample_ce).
namespace mlp = parity::forward::model;

template <class T>
struct mlp_data {
    std::size_t B, N, H, K;
    std::vector<T> xs, w1s, b1s, w2s, b2s, ys;
    mlp_data(std::size_t B_, std::size_t N_, std::size_t H_, std::size_t K_, unsigned seed)
        : B(B_),
          N(N_),
          H(H_),
          K(K_),
          xs(test_support::normal<T>(B_ * N_, seed)),
          w1s(test_support::normal<T>(H_ * N_, seed + 1, 0.5)),
          b1s(test_support::normal<T>(H_, seed + 2, 0.1)),
          w2s(test_support::normal<T>(K_ * H_, seed + 3, 0.5)),
          b2s(test_support::normal<T>(K_, seed + 4, 0.1)),
          ys(B_) {
        for (std::size_t i = 0; i < B; ++i)
            ys[i] = static_cast<T>((i * 7 + seed) % K);
    }
    auto bx() const { return bind(mlp::x, xs.data(), {B, N}); }
    auto bw1() const { return bind(mlp::w1, w1s.data(), {H, N}); }
    auto bb1() const { return bind(mlp::b1, b1s); }
    auto bw2() const { return bind(mlp::w2, w2s.data(), {K, H}); }
    auto bb2() const { return bind(mlp::b2, b2s); }
    auto by() const { return bind(mlp::y, ys.data(), {B}); }
};

/// The last axis of e's shape, as a value (the class axis of logits [batch, k]).
template <class E>
constexpr auto shape_traits_last(const E&) {
    return detail::shape_traits::last_axis_t<shape_of_t<E>>{};
}

template <class T>
constexpr double tolerance = std::is_same_v<T, float> ? 2e-5 : 1e-12;

/// value(e) equals the reference evaluator's value of e with the same bindings.
template <class T, class E, class... B>
void check_against_reference(const E& e, const B&... bindings) {
    const reference::tensor want = reference::evaluate(e, bindings...);
    std::vector<T> got(want.values.size(), T(-777));
    const auto s = value(e)(bindings..., got);
    CHECK(s.data() == got.data());
    CHECK(s.size() == got.size());
    CHECK(test_support::normwise_error(got, want.values, 1e-3) < tolerance<T>);
}

/// The first index of the largest element of each row (a NaN the largest), as torch.argmax.
template <class V>
std::vector<std::int64_t> rows_argmax(const V& values, std::size_t rows, std::size_t cols) {
    std::vector<std::int64_t> r(rows);
    for (std::size_t i = 0; i < rows; ++i) {
        std::size_t best = 0;
        for (std::size_t c = 1; c < cols && !std::isnan(values[i * cols + best]); ++c)
            if (values[i * cols + c] > values[i * cols + best] || std::isnan(values[i * cols + c]))
                best = c;
        r[i] = static_cast<std::int64_t>(best);
    }
    return r;
}
}  // namespace

TEMPLATE_TEST_CASE("value(e) of a model's output equals the reference evaluator", "[forward]", float, double) {
    using T = TestType;
    using namespace test_support::model;  // the perceptron o = σ(x·wᵀ + b), dynamic extents
    for (std::size_t B : {0, 1, 2, 7, 33, 300, 1031})
        for (std::size_t N : {1, 5, 37})
            for (std::size_t K : {1, 3, 10}) {
                INFO("B = " << B << ", N = " << N << ", K = " << K);
                const auto xs = test_support::normal<T>(B * N, 1), ws = test_support::normal<T>(K * N, 2, 0.3);
                const auto bs = test_support::normal<T>(K, 3), ts = test_support::uniform<T>(B * K, 4);
                const auto bx = bind(x, xs.data(), {B, N});
                const auto bw = bind(w, ws.data(), {K, N});
                check_against_reference<T>(o, bx, bw, bind(b, bs));
                check_against_reference<T>(z, bx, bw, bind(b, bs));
                // Per-sample squared error [batch]: a row sum as the value itself.
                check_against_reference<T>(sum_over(pow<2>(o - t), k), bx, bw, bind(b, bs), bind(t, ts.data(), {B, K}));
                // Elementwise per-sample losses [batch, k].
                check_against_reference<T>(pow<2>(o - t), bx, bw, bind(b, bs), bind(t, ts.data(), {B, K}));
            }
}

TEMPLATE_TEST_CASE("value(e) of two-layer models, their hidden layers and per-sample losses", "[forward]", float,
                   double) {
    using T = TestType;
    for (std::size_t B : {0, 1, 3, 17, 257})
        for (auto [N, H, K] : {std::array<std::size_t, 3>{1, 1, 1}, {5, 3, 2}, {37, 16, 10}, {64, 129, 3}}) {
            INFO("B = " << B << ", N = " << N << ", H = " << H << ", K = " << K);
            mlp_data<T> d(B, N, H, K, 11);
            check_against_reference<T>(mlp::hidden_tanh, d.bx(), d.bw1(), d.bb1());
            check_against_reference<T>(mlp::hidden_relu, d.bx(), d.bw1(), d.bb1());
            check_against_reference<T>(mlp::logits_tanh, d.bx(), d.bw1(), d.bb1(), d.bw2(), d.bb2());
            check_against_reference<T>(mlp::logits_relu, d.bx(), d.bw1(), d.bb1(), d.bw2(), d.bb2());
            check_against_reference<T>(softmax(mlp::logits_relu, mlp::k), d.bx(), d.bw1(), d.bb1(), d.bw2(), d.bb2());
            check_against_reference<T>(mlp::bare_logits, d.bx(), d.bw1());
            check_against_reference<T>(mlp::per_sample_ce, d.bx(), d.bw1(), d.bb1(), d.bw2(), d.bb2(), d.by());
        }
}

TEMPLATE_TEST_CASE("value(e) of an expression of parameters alone: rows along the parameter's first axis",
                   "[forward]", float, double) {
    using T = TestType;
    using namespace test_support::model;
    for (std::size_t K : {1, 3, 40})
        for (std::size_t N : {1, 7, 600}) {
            INFO("K = " << K << ", N = " << N);
            const auto ws = test_support::normal<T>(K * N, 5), bs = test_support::normal<T>(K, 6);
            check_against_reference<T>(tanh(w) * w + b, bind(w, ws.data(), {K, N}), bind(b, bs));
            check_against_reference<T>(sum_over(pow<2>(w), n), bind(w, ws.data(), {K, N}));
        }
}

TEMPLATE_TEST_CASE("argmax(z, k): the predicted class, into integers or the data's type, ties and NaN as PyTorch",
                   "[forward][argmax]", float, double) {
    using T = TestType;
    for (std::size_t B : {0, 1, 5, 1024, 1025, 3000})
        for (auto [N, H, K] : {std::array<std::size_t, 3>{1, 1, 1}, {5, 3, 2}, {37, 16, 10}}) {
            INFO("B = " << B << ", N = " << N << ", H = " << H << ", K = " << K);
            mlp_data<T> d(B, N, H, K, 21);
            std::vector<T> logits(B * K);
            value(mlp::logits_tanh)(d.bx(), d.bw1(), d.bb1(), d.bw2(), d.bb2(), logits);
            const auto want = rows_argmax(logits, B, K);  // of the forward pass's own logits: exact
            std::vector<std::int64_t> classes(B, -1);
            std::vector<int> small(B, -1);
            std::vector<T> as_t(B, T(-1));
            const auto predict = value(argmax(mlp::logits_tanh, mlp::k));
            predict(d.bx(), d.bw1(), d.bb1(), d.bw2(), d.bb2(), classes);
            predict(d.bx(), d.bw1(), d.bb1(), d.bw2(), d.bb2(), small);
            predict(d.bx(), d.bw1(), d.bb1(), d.bw2(), d.bb2(), as_t);
            CHECK(classes == want);
            for (std::size_t i = 0; i < B; ++i) {
                CHECK(small[i] == want[i]);
                CHECK(as_t[i] == static_cast<T>(want[i]));
            }
            // The reference evaluator agrees, wherever the two best logits are not a near tie.
            if (B > 0) {
                const auto ref = reference::evaluate(argmax(mlp::logits_tanh, mlp::k), d.bx(), d.bw1(), d.bb1(),
                                                     d.bw2(), d.bb2());
                std::size_t agree = 0;
                for (std::size_t i = 0; i < B; ++i)
                    agree += ref.values[i] == static_cast<double>(want[i]);
                CHECK(agree >= B - B / 100);
            }
        }

    // Ties give the first index, a NaN is the largest, -inf rows give 0 (as torch.argmax).
    using namespace test_support::model;
    const std::vector<T> rows = {1, 3, 3, 0,  // tie: 1
                                 std::numeric_limits<T>::quiet_NaN(), 5, 6, 7,  // NaN first: 0
                                 1, 2, std::numeric_limits<T>::quiet_NaN(), 9,  // NaN: 2
                                 -INFINITY, -INFINITY, -INFINITY, -INFINITY,  // 0
                                 2, 2, 2, 2,  // 0
                                 -1, -2, -3, INFINITY};  // 3
    std::vector<int> got(6);  // (std::uint8_t: g++ 12 -O3 warns, falsely, of an 8-byte store into 6 bytes)
    value(argmax(x, n))(bind(x, rows.data(), {6, 4}), got);
    CHECK(got == std::vector<int>{1, 0, 2, 0, 0, 3});
    std::vector<T> got_t(6);
    constexpr auto scaled = x * 1.0_c;  // (a constant expression: clang 14 does not emit _c called at run time)
    value(argmax(scaled, n))(bind(x, rows.data(), {6, 4}), got_t);
    CHECK(got_t == std::vector<T>{1, 0, 2, 0, 0, 3});
    const auto ref = reference::evaluate(argmax(x, n), bind(x, rows.data(), {6, 4}));
    CHECK(ref.values == std::vector<double>{1, 0, 2, 0, 0, 3});
}

TEST_CASE("value(e) checks as value_and_grad does: nothing is written on error", "[forward][errors]") {
    using namespace test_support::model;
    const std::size_t B = 5, N = 3, K = 2;
    const auto xs = test_support::normal<float>(B * N, 1), ws = test_support::normal<float>(K * N, 2);
    const auto bs = test_support::normal<float>(K, 3);
    const auto predict = value(o);
    auto args = [&](auto& out) { return predict.try_evaluate(bind(x, xs.data(), {B, N}), bind(w, ws), bind(b, bs), out); };

    std::vector<float> wrong(B * K + 1, 42.f);
    status s = args(wrong);
    CHECK(s.code == errc::size_mismatch);
    CHECK(s.gradient);
    CHECK(s.variable.empty());
    CHECK(s.message() == "ctgrad: the output buffer has 11 elements, the value's shape needs 10");
    CHECK(std::all_of(wrong.begin(), wrong.end(), [](float v) { return v == 42.f; }));
    CHECK_THROWS_AS(predict(bind(x, xs.data(), {B, N}), bind(w, ws), bind(b, bs), wrong), evaluation_error);

    std::span<float> null_out;
    const std::vector<float> empty;
    CHECK(predict.try_evaluate(bind(x, empty.data(), {0, N}), bind(w, ws), bind(b, bs), null_out).ok());
    s = predict.try_evaluate(bind(x, xs.data(), {B, N}), bind(w, ws), bind(b, bs), std::span<float>{});
    CHECK(s.code == errc::size_mismatch);

    // The output shares memory with an input.
    std::vector<float> shared(B * N + K * N);
    std::copy(xs.begin(), xs.end(), shared.begin());
    std::span<float> over_x(shared.data() + 1, B * K);
    s = predict.try_evaluate(bind(x, shared.data(), {B, N}), bind(w, ws), bind(b, bs), over_x);
    CHECK(s.code == errc::aliased_output);
    CHECK(s.message() == "ctgrad: the output buffer overlaps an input");

    // Bindings: a wrong length names the variable; a bad class index of a per-sample loss.
    std::vector<float> out(B * K, 42.f);
    s = predict.try_evaluate(bind(x, xs.data(), {B, N}), bind(w, std::span(ws.data(), ws.size() - 1)), bind(b, bs), out);
    CHECK(s.code == errc::size_mismatch);
    CHECK(s.variable == "w");
    std::vector<float> ys = {0, 1, 2, 1, 0};  // 2 is no class of K = 2
    std::vector<float> per(B, 42.f);
    const auto ce = logsumexp(z, k) - sum_over(z * one_hot(input<"y">(batch), k), k);
    s = value(ce).try_evaluate(bind(x, xs.data(), {B, N}), bind(w, ws), bind(b, bs), bind(input<"y">(batch), ys),
                               per);
    CHECK(s.code == errc::class_index);
    CHECK(std::all_of(per.begin(), per.end(), [](float v) { return v == 42.f; }));
    CHECK(std::all_of(out.begin(), out.end(), [](float v) { return v == 42.f; }));

    // argmax over an axis of extent 0 (torch refuses it too).
    std::vector<int> classes(B, -1);
    const std::vector<float> no_w;
    s = value(argmax(matmul(x, transpose(w)), k))
            .try_evaluate(bind(x, xs.data(), {B, N}), bind(w, no_w.data(), {0, N}), classes);
    CHECK(s.code == errc::empty_axis);
    CHECK(s.message() == "ctgrad: argmax over axis 'k' of extent 0: there is no element to pick");
}

TEST_CASE("a prepared forward pass reads the bound memory as it is when called", "[forward][prepared]") {
    using namespace test_support::model;
    for (std::size_t B : {1, 9, 700}) {
        const std::size_t N = 6, K = 3;
        auto xs = test_support::normal<float>(B * N, 1), ws = test_support::normal<float>(K * N, 2);
        auto bs = test_support::normal<float>(K, 3);
        std::vector<float> out(B * K), again(B * K);
        std::vector<long> classes(B), classes_again(B);
        const auto call = value(o).prepare(bind(x, xs.data(), {B, N}), bind(w, ws), bind(b, bs), out);
        std::optional<forward_program<std::remove_cvref_t<decltype(argmax(z, k))>>::prepared<float, long>> pick;
        REQUIRE(value(argmax(z, k)).try_prepare(pick, bind(x, xs.data(), {B, N}), bind(w, ws), bind(b, bs), classes)
                    .ok());
        for (int round = 0; round < 3; ++round) {
            for (auto& v : ws)
                v *= -0.8f;
            const auto s = call();
            CHECK(s.data() == out.data());
            CHECK((*pick)().size() == B);
            value(o)(bind(x, xs.data(), {B, N}), bind(w, ws), bind(b, bs), again);
            value(argmax(z, k))(bind(x, xs.data(), {B, N}), bind(w, ws), bind(b, bs), classes_again);
            CHECK(out == again);
            CHECK(classes == classes_again);
        }
        std::vector<float> short_out(B * K - 1);
        std::optional<forward_program<std::remove_cvref_t<decltype(o)>>::prepared<float, float>> none;
        CHECK(value(o).try_prepare(none, bind(x, xs.data(), {B, N}), bind(w, ws), bind(b, bs), short_out).code ==
              errc::size_mismatch);
        CHECK(!none);
        CHECK_THROWS_AS(value(o).prepare(bind(x, xs.data(), {B, N}), bind(w, ws), bind(b, bs), short_out),
                        evaluation_error);
    }
}

// PyTorch's forward: tests/data/forward_cases.json (tests/tools/make_forward_cases.py, seed 2031;
// tests/data/README.md, "Forward cases"). Each case in its own precision: the value within
// 1e-5 (float32) or 1e-12 (float64) of PyTorch's, relative to the largest |value|, and the
// argmax exactly PyTorch's (the generator keeps near ties out).
TEST_CASE("value(e) and argmax equal PyTorch's forward", "[forward][pytorch]") {
    pytorch_cases::for_each_case("forward_cases.json", 27, [](auto zero, const nlohmann::json& c) {
        using T = decltype(zero);
        const std::size_t B = c["B"], N = c["N"], H = c["H"], K = c["K"];
        const auto xs = pytorch_cases::array<T>(c["x"]), w1s = pytorch_cases::array<T>(c["w1"]);
        const auto b1s = pytorch_cases::array<T>(c["b1"]), w2s = pytorch_cases::array<T>(c["w2"]);
        const auto b2s = pytorch_cases::array<T>(c["b2"]), ys = pytorch_cases::array<T>(c["y"]);
        const auto want = pytorch_cases::array<double>(c["out"]);
        const auto bx = bind(mlp::x, xs.data(), {B, N});
        const auto bw1 = bind(mlp::w1, w1s.data(), {H, N});
        const auto bw2 = bind(mlp::w2, w2s.data(), {K, H});
        const auto by = bind(mlp::y, ys.data(), {B});
        std::vector<T> got(want.size(), T(-777));
        std::vector<std::int64_t> classes;
        auto run = [&](const auto& e, auto... bindings) {
            value(e)(bindings..., got);
            if constexpr (rank_v<decltype(e)> == 2) {
                classes.assign(B, -1);
                value(argmax(e, shape_traits_last(e)))(bindings..., classes);
            }
        };
        const std::string model = c["model"];
        if (model == "perceptron")
            run(mlp::perceptron, bx, bw1, bind(mlp::b1, b1s));
        else if (model == "hidden_tanh")
            run(mlp::hidden_tanh, bx, bw1, bind(mlp::b1, b1s));
        else if (model == "logits_tanh")
            run(mlp::logits_tanh, bx, bw1, bind(mlp::b1, b1s), bw2, bind(mlp::b2, b2s));
        else if (model == "logits_relu")
            run(mlp::logits_relu, bx, bw1, bind(mlp::b1, b1s), bw2, bind(mlp::b2, b2s));
        else if (model == "per_sample_ce")
            run(mlp::per_sample_ce, bx, bw1, bind(mlp::b1, b1s), bw2, bind(mlp::b2, b2s), by);
        else
            FAIL("unknown model " << model);
        CHECK(test_support::normwise_error(got, want, 1e-30) < (std::is_same_v<T, float> ? 1e-5 : 1e-12));
        if (!c["argmax"].is_null())
            CHECK(classes == c["argmax"].get<std::vector<std::int64_t>>());
        else
            CHECK(classes.empty());
    });
}
