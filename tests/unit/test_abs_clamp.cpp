// abs, maximum, minimum and the clamps, and the L1, Huber and smooth L1 losses applied directly
// to two tensors: PyTorch 1.13's values and tie rules (tests/data/elementwise_cases.json, made
// by tests/tools/make_elementwise_cases.py, values exactly at ties, at 0, at the clamp bounds and
// at |d| = delta; read, run and compared by examples/pytorch_parity_elementwise.hpp, as
// pytorch_parity does), the derivative types and their printing, and finite differences away
// from the kinks. The models built on them are in test_robust_losses.cpp.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstddef>
#include <optional>
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

constexpr axis<"k"> k;
constexpr auto a = input<"a">(batch, k);
constexpr auto b = input<"b">(batch, k);
// Exact constants at namespace scope (clang 14 leaves a consteval literal operator undefined
// when it is used in a template instantiated outside a constant expression).
constexpr auto half = 0.5_c;
constexpr auto minus_half = -0.5_c;

// ---- derivative types, as the rules write them, and how they print -------------------------

constexpr auto u = input<"u">(batch);
constexpr auto v = input<"v">(batch);
// abs' = sign, sign' = 0.
static_assert(std::is_same_v<decltype(grad(sum(abs(u)), u)), decltype(sign(u))>);
static_assert(std::is_same_v<decltype(grad(sum(sign(u)), u)), zero_expr>);
static_assert(to_text(grad(sum(abs(u)), u)) == "sign(u)");
// maximum: half the gradient on ties, [u > v] + [u >= v] halved; each argument its own share.
static_assert(to_text(grad(sum(maximum(u, v)), u)) == "1/2 ([u > v] + [u >= v])");
static_assert(to_text(grad(sum(maximum(u, v)), v)) == "1/2 ([v > u] + [v >= u])");
static_assert(to_text(grad(sum(minimum(u, v)), u)) == "1/2 ([v > u] + [v >= u])");
static_assert(to_latex(grad(sum(maximum(u, v)), u)) == "\\frac{1}{2} \\left([u > v] + [u \\geq v]\\right)");
// clamp: the bounds pass the gradient (>=); a tensor bound gets it strictly beyond.
static_assert(to_text(clamp(u, -1_c, 1_c)) == "clamp_max(clamp_min(u, -1), 1)");
static_assert(to_text(grad(sum(clamp_min(u, v)), u)) == "[u >= v]");
static_assert(to_text(grad(sum(clamp_min(u, v)), v)) == "[v > u]");
static_assert(to_text(grad(sum(clamp_max(u, v)), u)) == "[v >= u]");
static_assert(to_text(grad(sum(clamp_max(u, v)), v)) == "[u > v]");
static_assert(to_text(grad(sum(clamp(u, -1_c, 1_c)), u)) == "[1 >= clamp_min(u, -1)] [u >= -1]");
// The losses are what they are made of: l1 is mean(abs(a - b)), smooth_l1 with beta 0 is l1,
// with beta 1 it is Huber's expression.
static_assert(std::is_same_v<decltype(l1_loss(a, b)), decltype(mean(abs(a - b)))>);
static_assert(std::is_same_v<decltype(smooth_l1_loss(a, b, 0_c)), decltype(l1_loss(a, b))>);
static_assert(std::is_same_v<decltype(smooth_l1_loss(a, b)), decltype(huber_loss(a, b))>);
static_assert(std::is_same_v<decltype(huber_loss(a, b)), decltype(huber_loss(a, b, 1_c))>);
static_assert(to_text(l1_loss(u, v)) == "mean(abs(u - v))");
static_assert(to_text(huber_loss(u, v, half)) ==
              "mean(clamp_max(clamp_min(u - v, -1/2), 1/2) (u - v - 1/2 clamp_max(clamp_min(u - v, -1/2), 1/2)))");
// mse_loss and the regression losses broadcast as PyTorch does (with its warning); a [batch]
// target against [batch, k] is the same loss for every column.
static_assert(rank_v<decltype(huber_loss(a, u))> == 0);

namespace pe = parity::elementwise;  // the cases, programs and rule, shared with pytorch_parity

/// The reference evaluator on direct case `c`'s loss (program P) in precision T, against
/// PyTorch's results `want` by the shared rule's tolerance.
template <std::size_t P, class T>
void check_reference(const pe::elementwise_case& c, const pe::results& want) {
    constexpr auto loss = pe::loss_of<P>();
    const double tol = pe::tolerance_of(c, c.type);
    const auto as = parity::detail::as<T>(c.a), bs = parity::detail::as<T>(c.b);
    const auto binds = [&] {
        const auto ba = bind(pe::model::a, as.data(), {c.B, c.K});
        if constexpr (P < pe::first_binary)
            return std::make_tuple(ba);
        else
            return std::make_tuple(ba, bind(pe::model::b, bs.data(), {c.B, c.K}));
    }();
    const auto ref = [&](const auto& e) { return std::apply([&](const auto&... x) { return reference::evaluate(e, x...); }, binds); };
    const double value = ref(loss).values.at(0);
    CHECK(std::fabs(value - want.loss) <= tol * std::max(1.0, std::fabs(want.loss)));
    CHECK(pe::normwise_error(ref(grad(loss, pe::model::a)).values, want.grads[0], 1e-30) <= tol);
    if constexpr (P >= pe::first_binary)
        CHECK(pe::normwise_error(ref(grad(loss, pe::model::b)).values, want.grads[1], 1e-30) <= tol);
}

}  // namespace

TEST_CASE("abs, maximum, minimum, clamp and the regression losses: PyTorch's values and tie rules",
          "[abs][clamp][minmax][pytorch]") {
    const auto cases = pe::load_cases(std::string(CTGRAD_TEST_DATA_DIR) + "/elementwise_cases.json");
    REQUIRE(cases.size() == 54);
    for (const pe::elementwise_case& c : cases) {
        if (c.model() != pe::model_kind::direct)
            continue;  // test_robust_losses.cpp
        DYNAMIC_SECTION(c.name << " " << parity::name_of(c.type)) {
            // PyTorch's results; for smooth_l1_loss with beta 0, l1_loss's 0 where d = 0, after
            // checking that the file has PyTorch 1.13's -1/size there (pytorch_parity_elementwise.hpp).
            std::optional<std::string> problem;
            const pe::results want = pe::reference_of(c, &problem);
            INFO(problem.value_or("PyTorch's results as expected"));
            CHECK(!problem);
            // value_and_grad: the programs pytorch_parity runs (the library's).
            elementwise_checks::check_fields(c, pe::evaluate_compiled(c, c.type), want);
            pe::with_program<0, pe::first_model>(c.program, [&](auto p) {
                if (c.type == parity::dtype::float32)
                    check_reference<p.value, float>(c, want);
                else
                    check_reference<p.value, double>(c, want);
            });
        }
    }
}

TEST_CASE("abs, maximum, clamp and the regression losses: finite differences away from the kinks",
          "[abs][clamp][minmax]") {
    const std::size_t B = 4, K = 5;
    // Residuals a - b at least 0.05 away from 0, ±0.5, ±1 and from the clamp bounds.
    std::vector<double> as(B * K), bs(B * K);
    for (std::size_t i = 0; i < as.size(); ++i) {
        as[i] = -2.3 + 0.23 * static_cast<double>(i);
        bs[i] = 0.37 * std::sin(3.0 * static_cast<double>(i)) + 0.06;
    }
    auto binds = [&] { return std::make_tuple(bind(a, as.data(), {B, K}), bind(b, bs.data(), {B, K})); };
    auto check = [&](const auto& loss) {
        std::vector<double> da(as.size()), db(bs.size());
        std::apply([&](auto... x) { return value_and_grad(loss, wrt(a, b))(x..., da, db); }, binds());
        CHECK(normwise_error(da, test_support::finite_difference(loss, as, binds), 1e-3) < 1e-7);
        CHECK(normwise_error(db, test_support::finite_difference(loss, bs, binds), 1e-3) < 1e-7);
    };
    check(mean(abs(a - b) * a));
    check(mean(maximum(a, b) * a));
    check(mean(minimum(a, 2_c * b) * b));
    check(mean(clamp(a, minus_half, 1_c) * b));
    check(mean(clamp_min(a, b) + clamp_max(b, a)));
    check(l1_loss(a, b));
    check(huber_loss(a, b));
    check(huber_loss(a, b, half));
    check(smooth_l1_loss(a, b, half));
}

TEST_CASE("maximum(z, 0) is relu's value; its gradient differs only at z = 0, by PyTorch's rules", "[minmax]") {
    const std::size_t B = 3, K = 4;
    std::vector<double> as = {-1.5, 0.0, 2.0, 0.25, 0.0, -0.125, 3.0, -2.0, 1.0, 0.0, -0.5, 0.5};
    std::vector<double> d_max(as.size()), d_relu(as.size());
    const auto ba = bind(a, as.data(), {B, K});
    const double m = std::get<0>(value_and_grad(mean(maximum(a, 0_c)), wrt(a))(ba, d_max));
    const double r = std::get<0>(value_and_grad(mean(relu(a)), wrt(a))(ba, d_relu));
    CHECK(m == r);
    const double n = static_cast<double>(B * K);
    for (std::size_t i = 0; i < as.size(); ++i) {
        INFO("a = " << as[i]);
        CHECK(d_relu[i] == (as[i] > 0 ? 1 / n : 0.0));                              // torch.relu: 0 at 0
        CHECK(d_max[i] == (as[i] > 0 ? 1 / n : as[i] == 0 ? 0.5 / n : 0.0));  // torch.maximum: ½ at the tie
    }
}

TEST_CASE("abs, maximum and clamp keep NaN as PyTorch does", "[abs][clamp][minmax]") {
    const double nan = std::nan("");
    std::vector<double> as = {nan, 1.0, nan, -1.0}, bs = {0.0, nan, nan, -2.0};
    const auto ba = bind(a, as.data(), {std::size_t{1}, std::size_t{4}});
    const auto bb = bind(b, bs.data(), {std::size_t{1}, std::size_t{4}});
    CHECK(std::isnan(value(sum(maximum(a, b)))(ba, bb)));
    CHECK(std::isnan(value(sum(minimum(a, b)))(ba, bb)));
    CHECK(std::isnan(value(sum(clamp(a, minus_half, half)))(ba)));
    CHECK(std::isnan(value(sum(abs(a)))(ba)));
    // torch.sign(nan) is 0 in PyTorch 1.13, so abs passes no gradient there.
    std::vector<double> da(4);
    value_and_grad(sum(abs(a)), wrt(a))(ba, da);
    CHECK(da == std::vector<double>{0.0, 1.0, 0.0, -1.0});
    const auto ref = reference::evaluate(maximum(a, b), ba, bb).values;
    CHECK((std::isnan(ref[0]) && std::isnan(ref[1]) && std::isnan(ref[2]) && ref[3] == -1.0));
}
