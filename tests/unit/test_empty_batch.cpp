// The empty batch (B = 0) against PyTorch: tests/data/empty_batch_cases.json, made by
// tests/tools/make_empty_batch_cases.py. A mean over no samples is NaN, a sum over none is 0,
// and the gradients with respect to w and b are sums over the batch: exactly +0, every element
// (checked bit for bit, sign included), whatever the loss. x.grad has no element.
// The lecture's two sessions use its own static-extent models (N = 10, K = 1 or 2, target
// torch.ones(1,1)); the other cases a model with a bias and dynamic extents, for five losses.

#include <catch2/catch.hpp>
#include <cmath>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pytorch_cases.hpp"
#include "test_support.hpp"

namespace {

using pytorch_cases::array;
using pytorch_cases::decode;

/// NaN where PyTorch has NaN; otherwise the same value, bit for bit (0.0 is not -0.0).
template <class T>
void check_exact(const char* what, const std::vector<T>& got, const nlohmann::json& want) {
    INFO(what);
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        const double r = decode(want[i]);
        INFO("element " << i << ": ctgrad " << got[i] << ", PyTorch " << r);
        if (std::isnan(r)) {
            CHECK(std::isnan(got[i]));
        } else {
            CHECK(static_cast<double>(got[i]) == r);
            CHECK(std::signbit(got[i]) == std::signbit(r));
        }
    }
}

constexpr double sentinel = 42.0;  // in every gradient buffer before the call: it must be overwritten

/// The lecture's sessions: x[batch, 10], w[K, 10], loss = F.mse_loss(torch.ones(1,1), o).
template <std::size_t K, class T>
void run_lecture(const nlohmann::json& c) {
    using namespace ctgrad;
    constexpr axis<"n", 10> n;
    constexpr axis<"k", K> k;
    constexpr auto x = input<"x">(batch, n);
    constexpr auto w = parameter<"w">(k, n);
    constexpr auto o = sigmoid(matmul(x, transpose(w)));
    constexpr auto loss = mse_loss(ones(1, 1), o);
    REQUIRE(c["K"] == K);
    const std::vector<T> xs = array<T>(c["x"]), ws = array<T>(c["w"]);  // xs is empty: B = 0
    std::vector<T> dw(ws.size(), T(sentinel)), dx;
    auto [L, gw, gx] = value_and_grad(loss, wrt(w, x))(bind(x, xs), bind(w, ws), dw, dx);
    check_exact("loss", std::vector<T>{L}, nlohmann::json::array({c["loss_value"]}));
    check_exact("grad_w", dw, c["grad_w"]);
    CHECK(gx.empty());
    CHECK(c["grad_x"].empty());
}

/// o = σ(x·wᵀ + b) against t[B, K], dynamic extents, the loss named by the case.
template <class T>
void run_bias(const nlohmann::json& c) {
    using namespace test_support::model;
    const std::size_t B = c["B"], N = c["N"], K = c["K"];
    const std::vector<T> xs = array<T>(c["x"]), ws = array<T>(c["w"]), bs = array<T>(c["b"]), ts = array<T>(c["t"]);
    std::vector<T> dw(K * N, T(sentinel)), db(K, T(sentinel)), dx;
    const auto bx = ctgrad::bind(x, xs.data(), {B, N});
    const auto bw = ctgrad::bind(w, ws.data(), {K, N});
    const auto bb = ctgrad::bind(b, bs);
    const auto bt = ctgrad::bind(t, ts.data(), {B, K});
    T L = T(sentinel);
    const auto run = [&](const auto& loss) {
        const ctgrad::status s =
            ctgrad::value_and_grad(loss, ctgrad::wrt(w, b, x)).try_evaluate(L, bx, bw, bb, bt, dw, db, dx);
        REQUIRE(s.ok());
    };
    const std::string kind = c["loss"];
    if (kind == "mse_mean")
        run(mse);
    else if (kind == "mse_sum")
        run(ctgrad::sum(ctgrad::pow<2>(o - t)));
    else if (kind == "half_sse")
        run(half_sse);
    else if (kind == "bce_mean")
        run(ctgrad::binary_cross_entropy(o, t));
    else if (kind == "bce_logits_mean")
        run(ctgrad::binary_cross_entropy_with_logits(z, t));
    else
        FAIL("unknown loss " << kind);
    check_exact("loss", std::vector<T>{L}, nlohmann::json::array({c["loss_value"]}));
    check_exact("grad_w", dw, c["grad_w"]);
    check_exact("grad_b", db, c["grad_b"]);
    CHECK(c["grad_x"].empty());
}

template <class T>
void run_case(const nlohmann::json& c) {
    REQUIRE(c["B"] == 0);
    const std::string name = c["name"];
    if (name == "lecture_1")
        run_lecture<1, T>(c);
    else if (name == "lecture_2")
        run_lecture<2, T>(c);
    else
        run_bias<T>(c);
}

}  // namespace

TEST_CASE("an empty batch gives what PyTorch gives: NaN means, zero sums, zero gradients", "[numerics][pytorch]") {
    pytorch_cases::for_each_case("empty_batch_cases.json", 14,
                                 [](auto type, const nlohmann::json& c) { run_case<decltype(type)>(c); });
}
