// The L1, Huber and smooth L1 losses and the new elementwise pieces inside models: on a
// perceptron and on a two-layer tanh model, maximum(z, 0) and relu as hidden activations, and a
// clamp in a hidden layer, against PyTorch 1.13 (tests/data/elementwise_cases.json, made by
// tests/tools/make_elementwise_cases.py, read and run by examples/pytorch_parity_elementwise.hpp
// as pytorch_parity does: the perceptron and hidden-layer cases are exact
// multiples of 1/8, so residuals sit exactly on 0 and on ±delta and pre-activations exactly on 0
// and on the clamp bounds), and against finite differences away from the kinks.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstddef>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include <ctgrad/ctgrad.hpp>
#include <ctgrad/reference/evaluate.hpp>

#include "elementwise_checks.hpp"
#include "finite_differences.hpp"
#include "../../examples/pytorch_parity/programs/elementwise_programs.hpp"
#include "../../examples/pytorch_parity_elementwise.hpp"
#include "test_support.hpp"

using namespace ctgrad;
using test_support::normwise_error;

namespace {

constexpr axis<"n"> n;
constexpr axis<"h"> h;
constexpr axis<"k"> k;
constexpr auto x = input<"x">(batch, n);
constexpr auto t = input<"t">(batch, k);
constexpr auto w1 = parameter<"w1">(h, n);
constexpr auto b1 = parameter<"b1">(h);
constexpr auto w2 = parameter<"w2">(k, h);
constexpr auto b2 = parameter<"b2">(k);
constexpr auto z1 = matmul(x, transpose(w1)) + b1;
template <class H>
constexpr auto output(const H& hidden) {
    return matmul(hidden, transpose(w2)) + b2;
}
constexpr auto half = 0.5_c;
constexpr auto minus_half = -0.5_c;

namespace pe = parity::elementwise;  // the cases, programs and rule, shared with pytorch_parity

/// The reference evaluator on model case `c`'s loss (program P) in precision T, against
/// PyTorch's results `want` by the shared rule's tolerance: grad_w of the perceptron; the loss
/// and grad_w1 of the two-layer models.
template <std::size_t P, class T>
void check_reference(const pe::elementwise_case& c, const pe::results& want) {
    namespace m = pe::model;
    constexpr auto loss = pe::loss_of<P>();
    const double tol = pe::tolerance_of(c, c.type);
    const auto in = [](const std::vector<double>& v) { return parity::detail::as<T>(v); };
    const auto xs = in(c.x), ts = in(c.t);
    const auto bx = bind(m::x, xs.data(), {c.B, c.N});
    const auto bt = bind(m::t, ts.data(), {c.B, c.K});
    if constexpr (pe::programs[P].model == pe::model_kind::perceptron) {
        const auto ws = in(c.w), bs = in(c.bias);
        const auto rw = reference::evaluate(grad(loss, m::w), bx, bind(m::w, ws.data(), {c.K, c.N}), bind(m::bias, bs), bt);
        CHECK(pe::normwise_error(rw.values, want.grads[0], 1e-30) <= tol);
    } else {
        const auto w1s = in(c.w1), b1s = in(c.b1), w2s = in(c.w2), b2s = in(c.b2);
        const auto binds = std::make_tuple(bx, bind(m::w1, w1s.data(), {c.H, c.N}), bind(m::b1, b1s),
                                           bind(m::w2, w2s.data(), {c.K, c.H}), bind(m::b2, b2s), bt);
        const auto ref = [&](const auto& e) { return std::apply([&](const auto&... v) { return reference::evaluate(e, v...); }, binds); };
        const double value = ref(loss).values.at(0);
        CHECK(std::fabs(value - want.loss) <= tol * std::max(1.0, std::fabs(want.loss)));
        CHECK(pe::normwise_error(ref(grad(loss, m::w1)).values, want.grads[0], 1e-30) <= tol);
    }
}

}  // namespace

TEST_CASE("L1 and Huber losses on a perceptron, a two-layer tanh model, and maximum/relu/clamp hidden layers: "
          "PyTorch's values and gradients",
          "[abs][clamp][minmax][pytorch]") {
    const auto cases = pe::load_cases(std::string(CTGRAD_TEST_DATA_DIR) + "/elementwise_cases.json");
    REQUIRE(cases.size() == 54);
    for (const pe::elementwise_case& c : cases) {
        if (c.model() == pe::model_kind::direct)
            continue;  // test_abs_clamp.cpp
        DYNAMIC_SECTION(c.name << " " << parity::name_of(c.type)) {
            // value_and_grad: the programs pytorch_parity runs (the library's), by its rule.
            const pe::results want = pe::reference_of(c);
            elementwise_checks::check_fields(c, pe::evaluate_compiled(c, c.type), want);
            pe::with_program<pe::first_model, pe::programs.size()>(c.program, [&](auto p) {
                if (c.type == parity::dtype::float32)
                    check_reference<p.value, float>(c, want);
                else
                    check_reference<p.value, double>(c, want);
            });
        }
    }
}

TEST_CASE("Huber and L1 losses through clamp and maximum hidden layers: finite differences", "[abs][clamp][minmax]") {
    const std::size_t B = 6, N = 4, H = 5, K = 3;
    auto xs = test_support::normal<double>(B * N, 31), ts = test_support::normal<double>(B * K, 32, 2.0);
    auto w1s = test_support::normal<double>(H * N, 33, 0.5), b1s = test_support::normal<double>(H, 34, 0.1);
    auto w2s = test_support::normal<double>(K * H, 35, 0.5), b2s = test_support::normal<double>(K, 36, 0.1);
    auto binds = [&] {
        return std::make_tuple(bind(x, xs.data(), {B, N}), bind(w1, w1s.data(), {H, N}), bind(b1, b1s),
                               bind(w2, w2s.data(), {K, H}), bind(b2, b2s), bind(t, ts.data(), {B, K}));
    };
    auto check = [&](const auto& loss) {
        std::vector<double> dw1(w1s.size()), db1(b1s.size()), dw2(w2s.size()), db2(b2s.size());
        std::apply([&](auto... bs) { return value_and_grad(loss, wrt(w1, b1, w2, b2))(bs..., dw1, db1, dw2, db2); },
                   binds());
        CHECK(normwise_error(dw1, test_support::finite_difference(loss, w1s, binds), 1e-3) < 1e-6);
        CHECK(normwise_error(db1, test_support::finite_difference(loss, b1s, binds), 1e-3) < 1e-6);
        CHECK(normwise_error(dw2, test_support::finite_difference(loss, w2s, binds), 1e-3) < 1e-6);
        CHECK(normwise_error(db2, test_support::finite_difference(loss, b2s, binds), 1e-3) < 1e-6);
    };
    // Random data: no pre-activation or residual lands within a finite-difference step of a kink.
    check(huber_loss(output(clamp(z1, minus_half, half)), t));
    check(l1_loss(output(maximum(z1, 0_c)), t));
    check(smooth_l1_loss(output(tanh(z1)), t, half) + mean(abs(z1)));
}
