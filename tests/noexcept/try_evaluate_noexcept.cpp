// ctgrad in a program built with -fno-exceptions (issue 7): the lecture's model evaluated with
// `program::try_evaluate`, which reports bad data as a `status` instead of throwing.
//
// With good data the loss and w.grad must equal the lecture's formulas, computed here by hand
// in double: o = σ(x·wᵀ), loss = F.mse_loss(torch.ones(1,1), o) = (1 − o)² for one sample and
// one output, ∂loss/∂w_j = 2 (o − 1) o (1 − o) x_j. With bad data, one case per error code,
// the status must carry that code and name the variable, and neither the loss nor the gradient
// buffer may have been written. The reference evaluator and the PyTorch-style formatter are
// used too, so that their headers are compiled (and instantiated) without exceptions as well.
//
// A plain program, not Catch2 (whose prebuilt runner uses exceptions): prints one line per
// check and exits 1 if any fails.

#if defined(__cpp_exceptions)
#error "this test must be compiled with -fno-exceptions (see tests/noexcept/CMakeLists.txt)"
#endif

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <ctgrad/ctgrad.hpp>
#include "torch_format.hpp"  // the examples' support: PyTorch 1.13's tensor printing
#include <ctgrad/reference/evaluate.hpp>
#include <span>
#include <string>
#include <vector>

using namespace ctgrad;

namespace {

// The lecture's first session: one sample of 10 features, one output.
constexpr axis<"n", 10> n;
constexpr axis<"k", 1> k;
constexpr auto x = input<"x">(batch, n);
constexpr auto w = parameter<"w">(k, n);
constexpr auto o = sigmoid(matmul(x, transpose(w)));
constexpr auto loss = mse_loss(ones(1, 1), o);

// The same model with dynamic extents: with no explicit shape, nothing determines n and k.
constexpr axis<"n"> n_dyn;
constexpr axis<"k"> k_dyn;
constexpr auto x_dyn = input<"x">(batch, n_dyn);
constexpr auto w_dyn = parameter<"w">(k_dyn, n_dyn);
constexpr auto loss_dyn = mse_loss(ones(1, 1), sigmoid(matmul(x_dyn, transpose(w_dyn))));

constexpr float sentinel = 42.0f;  // in the outputs before a call that must not write them

int failures = 0;

/// Records and prints one check.
void check(bool ok, const std::string& what) {
    std::printf("%s  %s\n", ok ? "PASS" : "FAIL", what.c_str());
    failures += ok ? 0 : 1;
}

/// |a − r| ≤ tolerance · |r|.
bool close(double a, double r, double tolerance) {
    return std::fabs(a - r) <= tolerance * std::fabs(r);
}

/// Data for the lecture's model, fixed so that the expected values are reproducible.
struct data {
    std::vector<float> xs, ws;
    data() {
        for (int j = 0; j < 10; ++j) {
            xs.push_back(static_cast<float>(j - 4) / 8.0f);              // -0.5 .. 0.625
            ws.push_back(static_cast<float>((j * 7) % 10 - 5) / 10.0f);  // -0.5 .. 0.4
        }
    }
};

/// The lecture's loss and w.grad, by hand, in double from the float data.
struct expected {
    double loss = 0;
    std::array<double, 10> dw{};
    explicit expected(const data& d) {
        double z = 0;
        for (std::size_t j = 0; j < 10; ++j)
            z += double(d.xs[j]) * double(d.ws[j]);
        const double O = 1.0 / (1.0 + std::exp(-z));
        loss = (1.0 - O) * (1.0 - O);
        for (std::size_t j = 0; j < 10; ++j)
            dw[j] = 2.0 * (O - 1.0) * O * (1.0 - O) * double(d.xs[j]);
    }
};

void good_data() {
    const data d;
    const expected want(d);
    std::vector<float> dw(10, sentinel);
    float L = sentinel;
    const status s = value_and_grad(loss, wrt(w)).try_evaluate(L, bind(x, d.xs), bind(w, d.ws), dw);
    check(s.ok() && s.code == errc::ok, "good data: status ok");
    check(close(L, want.loss, 1e-6), "good data: loss " + io::format_tensor(L) + " = (1 - O)^2 by hand");
    bool grads = true;
    for (std::size_t j = 0; j < 10; ++j)
        grads = grads && close(dw[j], want.dw[j], 1e-5);
    check(grads, "good data: w.grad = 2 (O - 1) O (1 - O) x_j by hand");
    check(close(reference::evaluate_scalar(loss, bind(x, d.xs), bind(w, d.ws)), want.loss, 1e-12),
          "good data: reference::evaluate_scalar agrees");

    // In double, much tighter.
    const std::vector<double> xd(d.xs.begin(), d.xs.end()), wd(d.ws.begin(), d.ws.end());
    std::vector<double> dwd(10);
    double Ld = 0;
    const status sd = value_and_grad(loss, wrt(w)).try_evaluate(Ld, bind(x, xd), bind(w, wd), dwd);
    check(sd.ok() && close(Ld, want.loss, 1e-13), "good data, double: loss");
}

/// One bad call: the status has `code` and names `variable`; the loss and dw are unwritten.
template <class Call>
void bad_data(const char* what, errc code, std::string_view variable, Call&& call) {
    std::vector<float> dw(10, sentinel);
    float L = sentinel;
    const status s = call(L, dw);
    const bool untouched = L == sentinel && std::ranges::all_of(dw, [](float v) { return v == sentinel; });
    check(!s.ok() && s.code == code && s.variable == variable && !s.message().empty(),
          std::string(what) + ": " + s.message());
    check(untouched, std::string(what) + ": loss and w.grad unwritten");
}

void each_error() {
    data d;
    const auto step = value_and_grad(loss, wrt(w));
    const auto bx = bind(x, d.xs);
    const auto bw = bind(w, d.ws);

    bad_data("size_mismatch (9 weights for 1x10)", errc::size_mismatch, "w", [&](float& L, std::vector<float>& dw) {
        return step.try_evaluate(L, bx, bind(w, std::span(d.ws).first(9)), dw);
    });
    bad_data("size_mismatch (w.grad of 9)", errc::size_mismatch, "w",
             [&](float& L, std::vector<float>& dw) { return step.try_evaluate(L, bx, bw, std::span(dw).first(9)); });
    const std::vector<float> eleven(11, 0.5f);
    bad_data("extent_conflict (x bound as 1x11, n = 10)", errc::extent_conflict, "x",
             [&](float& L, std::vector<float>& dw) {
                 return step.try_evaluate(L, bind(x, eleven.data(), {1, 11}), bw, dw);
             });
    bad_data("null_data (x)", errc::null_data, "x", [&](float& L, std::vector<float>& dw) {
        return step.try_evaluate(L, bind(x, static_cast<const float*>(nullptr), {1, 10}), bw, dw);
    });
    bad_data("aliased_output (w.grad is w's own data)", errc::aliased_output, "w", [&](float& L, std::vector<float>&) {
        const std::vector<float> before = d.ws;
        const status s = step.try_evaluate(L, bx, bw, std::span<float>(d.ws));
        check(d.ws == before, "aliased_output: w unwritten");
        return s;
    });
    bad_data("unresolved_extent (n and k dynamic, no shape)", errc::unresolved_extent, "x",
             [&](float& L, std::vector<float>& dw) {
                 return value_and_grad(loss_dyn, wrt(w_dyn)).try_evaluate(L, bind(x_dyn, d.xs), bind(w_dyn, d.ws), dw);
             });

    // The same dynamic model is fine once one binding gives its shape.
    std::vector<float> dw(10);
    float L = 0;
    const status s =
        value_and_grad(loss_dyn, wrt(w_dyn)).try_evaluate(L, bind(x_dyn, d.xs.data(), {1, 10}), bind(w_dyn, d.ws), dw);
    check(s.ok() && close(L, expected(d).loss, 1e-6), "dynamic extents with an explicit shape: ok");
}

}  // namespace

int main() {
    good_data();
    each_error();
    std::printf("%s\n", failures == 0 ? "all checks passed" : "SOME CHECKS FAILED");
    return failures == 0 ? 0 : 1;
}
