#pragma once
// PyTorch autograd on losses with terms of the parameters alone, weight decay and L1
// (tests/data/regularized_cases.json, made by tests/tools/make_regularized_cases.py; format in
// tests/data/README.md, "Regularized cases"): the losses, reading the cases, evaluating them
// with value_and_grad, comparing. Shared by examples/pytorch_parity (the tool,
// pytorch_parity/regularized.cpp) and tests/unit/test_parameter_terms.cpp (the losses).
//
// With z = x @ w.t() + b (the perceptron cases' x, t, w, b), by `loss`:
//   "mse_l2"         F.mse_loss(torch.sigmoid(z), t) + 0.01 * (w ** 2).sum()
//   "bce_logits_l2"  F.binary_cross_entropy_with_logits(z, t) + 0.005 * ((w ** 2).sum() + (b ** 2).sum())
//   "ce_l2"          F.cross_entropy(z, y) + 0.001 * (w ** 2).sum()
//   "mse_l1"         F.mse_loss(torch.sigmoid(z), t) + 0.01 * w.abs().sum()
//   "params_only"    (w ** 2).sum() + 2 * (b ** 2).mean()        (no gradient for x)
// Five programs in float and double, chosen at run time.
//
// Comparison: the rule of the perceptron cases (parity::compare_results). The condition scale of
// the data term is the layer cases' for one layer with that loss (layers::condition_scales: a
// sigmoid head, bce_logits or cross_entropy); the parameter terms add their own magnitudes,
// doubled (each square or |w| and the sum round; their sums of positive terms do not cancel):
//   λ Σ w²: 2 λ Σ w² to the loss, 2·2 λ |w| to grad_w;  λ Σ |w|: 2 λ Σ |w| to the loss, λ to grad_w
// and the loss value's bound doubled for the final sum of the terms (|loss| is below the bound).

#include <array>
#include <cmath>
#include <cstddef>
#include <ctgrad/ctgrad.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "pytorch_parity_cases.hpp"
#include "pytorch_parity_layers.hpp"

namespace parity::regularized {

/// The losses of the file, by `loss`.
enum class loss_kind { mse_l2, bce_logits_l2, ce_l2, mse_l1, params_only };
inline constexpr std::array<const char*, 5> loss_names{"mse_l2", "bce_logits_l2", "ce_l2", "mse_l1", "params_only"};

/// The losses, on the perceptron cases' variables (parity::model: x[batch, n], t[batch, k],
/// w[k, n], b[k]).
namespace model {
using namespace ctgrad;
using parity::model::b;
using parity::model::t;
using parity::model::w;
using parity::model::x;
inline constexpr auto y = input<"y">(batch);  // class indices
inline constexpr auto z = matmul(x, transpose(w)) + b;
inline constexpr auto l2_w = mse_loss(sigmoid(z), t) + 0.01_c * sum(pow<2>(w));
inline constexpr auto l2_both = binary_cross_entropy_with_logits(z, t) + 0.005_c * (sum(pow<2>(w)) + sum(pow<2>(b)));
inline constexpr auto ce_l2 = cross_entropy(z, y) + 0.001_c * sum(pow<2>(w));
inline constexpr auto l1_w = mse_loss(sigmoid(z), t) + 0.01_c * sum(abs(w));  // abs' = sign, sign(0) = 0 as PyTorch
inline constexpr auto params_only = sum(pow<2>(w)) + 2.0_c * mean(pow<2>(b));
}  // namespace model

/// One case of regularized_cases.json: the loss, its inputs, and PyTorch's results when present.
struct regularized_case {
    std::string name;
    dtype type = dtype::float32;
    loss_kind loss = loss_kind::mse_l2;
    std::size_t B = 0, N = 0, K = 0;
    std::vector<double> x, w, b, t, y;

    // The reference results: each optional in the file (grad_x stays empty for params_only).
    std::optional<double> loss_value;
    std::optional<std::vector<double>> grad_w, grad_b, grad_x;

    /// Does the loss depend on the data (and so have a gradient for x)?
    bool has_data() const { return loss != loss_kind::params_only; }
};

// ---------------------------------------------------------------------------------------
// The programs

/// The loss L.
template <loss_kind L>
constexpr auto expression() {
    if constexpr (L == loss_kind::mse_l2)
        return model::l2_w;
    else if constexpr (L == loss_kind::bce_logits_l2)
        return model::l2_both;
    else if constexpr (L == loss_kind::ce_l2)
        return model::ce_l2;
    else if constexpr (L == loss_kind::mse_l1)
        return model::l1_w;
    else
        return model::params_only;
}

/// Evaluates case `c` in precision T with loss L's program: inputs rounded to T, the loss and its
/// gradients (w, b and, but for params_only, x) by value_and_grad, widened back to double.
template <class T, loss_kind L>
results evaluate_as(const regularized_case& c) {
    using namespace model;
    static constexpr auto E = expression<L>();
    const std::size_t B = c.B, N = c.N, K = c.K;
    const std::vector<T> xs = detail::as<T>(c.x), ws = detail::as<T>(c.w), bs = detail::as<T>(c.b),
                         ts = detail::as<T>(c.t), ys = detail::as<T>(c.y);
    std::vector<T> dw(K * N), db(K), dx(B * N);
    const auto params = std::make_tuple(ctgrad::bind(w, ws.data(), {K, N}), ctgrad::bind(b, bs.data(), {K}));
    T loss_value{};
    const ctgrad::status s = [&] {
        const auto call = [&](const auto& step, const auto& args) {
            return std::apply([&](auto&&... a) { return step.try_evaluate(loss_value, a...); }, args);
        };
        if constexpr (L == loss_kind::params_only) {
            static constexpr auto step = ctgrad::value_and_grad(E, ctgrad::wrt(w, b));
            return call(step, std::tuple_cat(params, std::tie(dw, db)));
        } else {
            static constexpr auto step = ctgrad::value_and_grad(E, ctgrad::wrt(w, b, x));
            const auto label = [&] {
                if constexpr (L == loss_kind::ce_l2)
                    return ctgrad::bind(y, ys.data(), {B});
                else
                    return ctgrad::bind(t, ts.data(), {B, K});
            }();
            return call(step, std::tuple_cat(std::make_tuple(ctgrad::bind(x, xs.data(), {B, N})), params,
                                             std::make_tuple(label), std::tie(dw, db, dx)));
        }
    }();
    if (!s.ok())  // parse_case has checked every length and class index: this is not expected
        throw input_error(detail::cat("case '", c.name, "': ", s.message()));
    results r;
    r.loss_value = static_cast<double>(loss_value);
    r.grad_w.assign(dw.begin(), dw.end());
    r.grad_b.assign(db.begin(), db.end());
    if (c.has_data())
        r.grad_x.assign(dx.begin(), dx.end());
    return r;
}

/// Evaluates case `c` in precision `precision` with its loss's program, chosen at run time.
inline results evaluate(const regularized_case& c, dtype precision) {
    using fn = results (*)(const regularized_case&);
    static constexpr auto programs = []<std::size_t... I>(std::index_sequence<I...>) {
        return std::array<std::array<fn, sizeof...(I)>, 2>{{{&evaluate_as<float, static_cast<loss_kind>(I)>...},
                                                             {&evaluate_as<double, static_cast<loss_kind>(I)>...}}};
    }
    (std::make_index_sequence<loss_names.size()>{});
    return programs[static_cast<std::size_t>(precision)][static_cast<std::size_t>(c.loss)](c);
}

// ---------------------------------------------------------------------------------------
// Comparison

/// m of every result element of case `c` (see the top of the file).
inline results condition_scales(const regularized_case& c) {
    results m;
    m.grad_w.assign(c.K * c.N, 0.0);
    m.grad_b.assign(c.K, 0.0);
    if (c.has_data()) {
        // The data term: one layer with the loss's head, as a layer case.
        layers::layer_case one;
        one.layers = 1;
        one.loss = c.loss == loss_kind::bce_logits_l2 ? layers::loss_kind::bce_logits
                   : c.loss == loss_kind::ce_l2       ? layers::loss_kind::cross_entropy
                                                      : layers::loss_kind::mse_mean;
        one.B = c.B;
        one.N = c.N;
        one.K = c.K;
        one.x = c.x;
        one.w1 = c.w;
        one.b1 = c.b;
        one.t = c.t;
        one.y = c.y;
        const layers::results data = layers::condition_scales(one);
        m.loss_value = data.loss_value;
        m.grad_w = data.grad[layers::f_w1];
        m.grad_b = data.grad[layers::f_b1];
        m.grad_x = data.grad[layers::f_x];
    }
    // The parameter terms: λ Σ v² (or λ Σ |w|), and their sum with the data term.
    const auto square_term = [&](const std::vector<double>& v, std::vector<double>& mg, double lambda) {
        for (std::size_t i = 0; i < v.size(); ++i) {
            m.loss_value += 2 * lambda * v[i] * v[i];
            mg[i] += 4 * lambda * std::fabs(v[i]);
        }
    };
    switch (c.loss) {
        case loss_kind::mse_l2: square_term(c.w, m.grad_w, 0.01); break;
        case loss_kind::bce_logits_l2:
            square_term(c.w, m.grad_w, 0.005);
            square_term(c.b, m.grad_b, 0.005);
            break;
        case loss_kind::ce_l2: square_term(c.w, m.grad_w, 0.001); break;
        case loss_kind::mse_l1:
            for (std::size_t i = 0; i < c.w.size(); ++i) {
                m.loss_value += 2 * 0.01 * std::fabs(c.w[i]);
                m.grad_w[i] += 0.01;
            }
            break;
        case loss_kind::params_only:
            square_term(c.w, m.grad_w, 1);
            square_term(c.b, m.grad_b, 2.0 / static_cast<double>(c.K));
            break;
    }
    // The sum of the terms rounds by |loss|, which the bounds above exceed already.
    m.loss_value *= 2;
    return m;
}

/// Compares the results `a` of case `c` with the reference results `r` (all fields present).
inline case_error compare(const regularized_case& c, const results& a, const results& r, double floor) {
    return compare_results(a, r, condition_scales(c), floor);
}

/// What --check says of a case without every reference field; nullopt when it has them all.
inline std::optional<std::string> missing_result(const regularized_case& c) {
    const char* field = !c.loss_value                ? "loss_value"
                        : !c.grad_w                  ? "grad_w"
                        : !c.grad_b                  ? "grad_b"
                        : c.has_data() && !c.grad_x ? "grad_x"
                                                     : nullptr;
    if (!field)
        return std::nullopt;
    return detail::cat("field '", field,
                       "': missing (--check needs loss_value, grad_w, grad_b and, but for params_only, grad_x)");
}

/// The reference results of `c`; `missing_result(c)` must be nullopt.
inline results reference_of(const regularized_case& c) {
    return {*c.loss_value, *c.grad_w, *c.grad_b, c.grad_x.value_or(std::vector<double>{})};
}

// ---------------------------------------------------------------------------------------
// Reading

/// Reads case number `index` (0-based) of a file called `file` (for messages).
inline regularized_case parse_case(const nlohmann::json& j, std::size_t index, const std::string& file = "") {
    regularized_case c;
    const detail::case_reader r = detail::open_case(j, index, file, c.name);
    c.type = detail::dtype_of(r);
    c.loss = static_cast<loss_kind>(r.choice("loss", loss_names));
    c.B = r.extent("B", true);  // B = 0: the empty batch
    c.N = r.extent("N");
    c.K = r.extent("K");
    c.x = r.numbers("x", detail::product(c.B, c.N), c.type, "B*N");
    c.w = r.numbers("w", detail::product(c.K, c.N), c.type, "K*N");
    c.b = r.numbers("b", c.K, c.type, "K");
    c.t = r.numbers("t", detail::product(c.B, c.K), c.type, "B*K");
    c.y = r.numbers("y", c.B, c.type, "B");
    for (std::size_t i = 0; i < c.B; ++i)
        if (!(c.y[i] >= 0 && c.y[i] < static_cast<double>(c.K) && c.y[i] == std::floor(c.y[i])))
            r.fail("y", detail::cat("element ", std::to_string(i), " (", nlohmann::json(c.y[i]).dump(),
                                    ") is not a class index from 0 to K-1 = ", std::to_string(c.K - 1)));
    if (r.present("loss_value"))
        c.loss_value = r.number("loss_value", dtype::float64);
    if (r.present("grad_w"))
        c.grad_w = r.numbers("grad_w", c.w.size(), dtype::float64, "K*N");
    if (r.present("grad_b"))
        c.grad_b = r.numbers("grad_b", c.K, dtype::float64, "K");
    if (!c.has_data())
        r.absent("grad_x", "for params_only");
    else if (r.present("grad_x"))
        c.grad_x = r.numbers("grad_x", c.x.size(), dtype::float64, "B*N");
    return c;
}

/// Reads the cases of a parsed file: {"cases": [...]}. (pytorch_parity tells a file of
/// regularized cases by a field "y" in a file of no other kind that has one.)
inline std::vector<regularized_case> parse_cases(const nlohmann::json& j, const std::string& file = "") {
    return detail::parse_file(j, file, parse_case);
}

}  // namespace parity::regularized
