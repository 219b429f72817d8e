#pragma once
// PyTorch's forward pass (tests/data/forward_cases.json, made by tests/tools/make_forward_cases.py;
// format in tests/data/README.md, "Forward cases"): the models, reading the cases, evaluating
// them with ctgrad's value(e) and argmax, comparing. Shared by examples/pytorch_parity (the
// tool, pytorch_parity/forward.cpp) and tests/unit/test_forward_pass.cpp (the models).
//
// The five models, as the PyTorch code that made them (`model`):
//   "perceptron"     torch.sigmoid(x @ w1.t() + b1)                        B×H
//   "hidden_tanh"    torch.tanh(x @ w1.t() + b1)                           B×H
//   "logits_tanh"    torch.tanh(x @ w1.t() + b1) @ w2.t() + b2             B×K
//   "logits_relu"    torch.relu(x @ w1.t() + b1) @ w2.t() + b2             B×K
//   "per_sample_ce"  F.cross_entropy(logits_tanh, y, reduction='none')     B
// and, for the four with two axes, torch.argmax(out, dim=1). Five programs of value(e) (and
// four of argmax) in float and double, chosen at run time.
//
// Comparison: the value by the rule of the perceptron cases (pytorch_parity_cases.hpp):
//   error of an element = |ctgrad - reference| / max(|reference|, m, floor)
// with m the element's condition scale, from the forward half of the layer cases'
// (pytorch_parity_layers.hpp: z1's sum of magnitudes, `activate`, the second layer's sum, the
// cross-entropy's e_lse + e_z_y + |ℓ| per sample); the argmax exactly (the generator keeps near
// ties out, so rounding cannot change a predicted class): a different index is an infinite error.

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <ctgrad/ctgrad.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pytorch_parity_cases.hpp"
#include "pytorch_parity_layers.hpp"

namespace parity::forward {

/// The models of the file, by `model`.
enum class model_kind { perceptron, hidden_tanh, logits_tanh, logits_relu, per_sample_ce };
inline constexpr std::array<const char*, 5> model_names{"perceptron", "hidden_tanh", "logits_tanh", "logits_relu",
                                                        "per_sample_ce"};

/// The models, with x: B×N, w1: H×N, b1: H, w2: K×H, b2: K, y: B class indices: the layer
/// cases' variables (layers::model; axes j, the features, hid and k).
namespace model {
using namespace ctgrad;
using layers::model::b1;
using layers::model::b2;
using layers::model::hid;
using layers::model::k;
using layers::model::w1;
using layers::model::w2;
using layers::model::x;
using layers::model::y;
inline constexpr auto hidden_tanh = tanh(matmul(x, transpose(w1)) + b1);
inline constexpr auto hidden_relu = relu(matmul(x, transpose(w1)) + b1);
inline constexpr auto logits_tanh = matmul(hidden_tanh, transpose(w2)) + b2;
inline constexpr auto logits_relu = matmul(hidden_relu, transpose(w2)) + b2;
inline constexpr auto bare_logits = matmul(x, transpose(w1));  // a matrix product alone: a barrier
inline constexpr auto perceptron = sigmoid(matmul(x, transpose(w1)) + b1);
/// Per-sample cross-entropy [batch] (F.cross_entropy(..., reduction='none')).
inline constexpr auto per_sample_ce = logsumexp(logits_tanh, k) - sum_over(logits_tanh * one_hot(y, k), k);
}  // namespace model

/// The value and, for a model with two axes, the argmax of each row; in double.
struct results {
    std::vector<double> out;
    std::vector<std::int64_t> argmax;  // empty for per_sample_ce
};

/// One case of forward_cases.json: the model, its inputs, and PyTorch's results when present.
struct forward_case {
    std::string name;
    dtype type = dtype::float32;
    model_kind model = model_kind::perceptron;
    std::size_t B = 0, N = 0, H = 0, K = 0;
    std::vector<double> x, w1, b1, w2, b2, y;

    // The reference results: each optional in the file (argmax stays empty for per_sample_ce).
    std::optional<std::vector<double>> out;
    std::optional<std::vector<std::int64_t>> argmax;

    /// Does the model's value have two axes (and so an argmax)?
    bool has_argmax() const { return model != model_kind::per_sample_ce; }
    /// The number of columns of the value: H for the hidden layers, K for the logits, 1 for the loss.
    std::size_t columns() const {
        return model == model_kind::perceptron || model == model_kind::hidden_tanh ? H
               : model == model_kind::per_sample_ce                                ? 1
                                                                                   : K;
    }
};

// ---------------------------------------------------------------------------------------
// The programs

/// The expression of model M.
template <model_kind M>
constexpr auto expression() {
    if constexpr (M == model_kind::perceptron)
        return model::perceptron;
    else if constexpr (M == model_kind::hidden_tanh)
        return model::hidden_tanh;
    else if constexpr (M == model_kind::logits_tanh)
        return model::logits_tanh;
    else if constexpr (M == model_kind::logits_relu)
        return model::logits_relu;
    else
        return model::per_sample_ce;
}

/// Evaluates case `c` in precision T with model M's programs: inputs rounded to T, value(e), and
/// argmax over the last axis for a model with two axes.
template <class T, model_kind M>
results evaluate_as(const forward_case& c) {
    using namespace model;
    static constexpr auto e = expression<M>();
    const std::size_t B = c.B, N = c.N, H = c.H, K = c.K;
    const std::vector<T> xs = detail::as<T>(c.x), w1s = detail::as<T>(c.w1), b1s = detail::as<T>(c.b1),
                         w2s = detail::as<T>(c.w2), b2s = detail::as<T>(c.b2), ys = detail::as<T>(c.y);
    const auto first = std::make_tuple(ctgrad::bind(x, xs.data(), {B, N}), ctgrad::bind(w1, w1s.data(), {H, N}),
                                       ctgrad::bind(b1, b1s.data(), {H}));
    const auto bindings = [&] {
        if constexpr (M == model_kind::perceptron || M == model_kind::hidden_tanh)
            return first;
        else if constexpr (M == model_kind::per_sample_ce)
            return std::tuple_cat(first, std::make_tuple(ctgrad::bind(w2, w2s.data(), {K, H}),
                                                         ctgrad::bind(b2, b2s.data(), {K}),
                                                         ctgrad::bind(y, ys.data(), {B})));
        else
            return std::tuple_cat(first, std::make_tuple(ctgrad::bind(w2, w2s.data(), {K, H}),
                                                         ctgrad::bind(b2, b2s.data(), {K})));
    }();
    const auto ok = [&](const ctgrad::status& s) {
        if (!s.ok())  // parse_case has checked every length and class index: this is not expected
            throw input_error(detail::cat("case '", c.name, "': ", s.message()));
    };
    std::vector<T> out(B * c.columns());
    ok(std::apply([&](const auto&... b) { return ctgrad::value(e).try_evaluate(b..., out); }, bindings));
    results r;
    r.out.assign(out.begin(), out.end());
    if constexpr (M != model_kind::per_sample_ce) {
        constexpr auto last = M == model_kind::perceptron || M == model_kind::hidden_tanh ? 0 : 1;
        static constexpr auto pick = [] {
            if constexpr (last == 0)
                return ctgrad::value(ctgrad::argmax(e, hid));
            else
                return ctgrad::value(ctgrad::argmax(e, k));
        }();
        r.argmax.assign(B, -1);
        ok(std::apply([&](const auto&... b) { return pick.try_evaluate(b..., r.argmax); }, bindings));
    }
    return r;
}

/// Evaluates case `c` in precision `precision` with its model's programs, chosen at run time.
inline results evaluate(const forward_case& c, dtype precision) {
    using fn = results (*)(const forward_case&);
    static constexpr auto programs = []<std::size_t... I>(std::index_sequence<I...>) {
        return std::array<std::array<fn, sizeof...(I)>, 2>{{{&evaluate_as<float, static_cast<model_kind>(I)>...},
                                                             {&evaluate_as<double, static_cast<model_kind>(I)>...}}};
    }
    (std::make_index_sequence<model_names.size()>{});
    return programs[static_cast<std::size_t>(precision)][static_cast<std::size_t>(c.model)](c);
}

// ---------------------------------------------------------------------------------------
// Comparison

/// m of every element of the value (see the top of the file): the bounds of the layer cases'
/// forward pass (layers::forward_pass: the activation's, or the logits'); for the per-sample
/// cross-entropy, layers::loss_head's bound of a batch of one sample, e_lse + e_z_y + 2|ℓ|.
inline std::vector<double> condition_scales(const forward_case& c) {
    layers::layer_case two;  // the model as a two-layer case (the first layer alone for the hidden ones)
    two.layers = 2;
    two.act = c.model == model_kind::perceptron    ? layers::act_kind::sigmoid
              : c.model == model_kind::logits_relu ? layers::act_kind::relu
                                                   : layers::act_kind::tanh;
    two.B = c.B;
    two.N = c.N;
    two.H = c.H;
    two.K = c.K;
    two.x = c.x;
    two.w1 = c.w1;
    two.b1 = c.b1;
    two.w2 = c.w2;
    two.b2 = c.b2;
    const layers::forward_bounds f = layers::forward_pass(two);
    std::vector<double> m(c.B * c.columns());
    if (c.model == model_kind::perceptron || c.model == model_kind::hidden_tanh) {
        for (std::size_t i = 0; i < m.size(); ++i)
            m[i] = f.a[i].ea;
        return m;
    }
    if (c.model != model_kind::per_sample_ce)
        return f.ez2;
    const std::size_t K = c.K;
    for (std::size_t bi = 0; bi < c.B; ++bi) {
        layers::layer_case one;
        one.layers = 1;
        one.loss = layers::loss_kind::cross_entropy;
        one.B = 1;
        one.K = K;
        one.y = {c.y[bi]};
        const std::vector<double> zr(f.z2.begin() + bi * K, f.z2.begin() + (bi + 1) * K),
            er(f.ez2.begin() + bi * K, f.ez2.begin() + (bi + 1) * K);
        m[bi] = layers::loss_head(one, zr, er).e_loss;
    }
    return m;
}

/// Compares the results `a` of case `c` with the reference `r` (all fields present): the value by
/// parity::compare_values, the argmax exactly (an index that differs is an infinite error).
inline layers::case_error compare(const forward_case& c, const results& a, const results& r, double floor) {
    const field_error fe = compare_values(a.out, r.out, condition_scales(c), floor);
    layers::case_error e{fe.error, detail::cat("out[", std::to_string(fe.index), "]")};
    if (std::isnan(e.error))
        return e;
    if (a.argmax.size() != r.argmax.size())
        return {std::numeric_limits<double>::infinity(), "argmax"};
    for (std::size_t i = 0; i < r.argmax.size(); ++i)
        if (a.argmax[i] != r.argmax[i])
            return {std::numeric_limits<double>::infinity(), detail::cat("argmax[", std::to_string(i), "]")};
    return e;
}

/// What --check says of a case without every reference field; nullopt when it has them all.
inline std::optional<std::string> missing_result(const forward_case& c) {
    const char* field = !c.out ? "out" : c.has_argmax() && !c.argmax ? "argmax" : nullptr;
    if (!field)
        return std::nullopt;
    return detail::cat("field '", field, "': missing (--check needs out and, but for per_sample_ce, argmax)");
}

/// The reference results of `c`; `missing_result(c)` must be nullopt.
inline results reference_of(const forward_case& c) {
    return {*c.out, c.argmax.value_or(std::vector<std::int64_t>{})};
}

// ---------------------------------------------------------------------------------------
// Reading

/// Reads case number `index` (0-based) of a file called `file` (for messages).
inline forward_case parse_case(const nlohmann::json& j, std::size_t index, const std::string& file = "") {
    forward_case c;
    const detail::case_reader r = detail::open_case(j, index, file, c.name);
    c.type = detail::dtype_of(r);
    c.model = static_cast<model_kind>(r.choice("model", model_names));
    c.B = r.extent("B", true);  // B = 0: the empty batch
    c.N = r.extent("N");
    c.H = r.extent("H");
    c.K = r.extent("K");
    c.x = r.numbers("x", detail::product(c.B, c.N), c.type, "B*N");
    c.w1 = r.numbers("w1", detail::product(c.H, c.N), c.type, "H*N");
    c.b1 = r.numbers("b1", c.H, c.type, "H");
    c.w2 = r.numbers("w2", detail::product(c.K, c.H), c.type, "K*H");
    c.b2 = r.numbers("b2", c.K, c.type, "K");
    c.y = r.numbers("y", c.B, c.type, "B");
    for (std::size_t i = 0; i < c.B; ++i)
        if (!(c.y[i] >= 0 && c.y[i] < static_cast<double>(c.K) && c.y[i] == std::floor(c.y[i])))
            r.fail("y", detail::cat("element ", std::to_string(i), " (", nlohmann::json(c.y[i]).dump(),
                                    ") is not a class index from 0 to K-1 = ", std::to_string(c.K - 1)));
    if (r.present("out"))
        c.out = r.numbers("out", detail::product(c.B, c.columns()), dtype::float64,
                          c.columns() == 1 ? "B" : c.columns() == c.K ? "B*K" : "B*H");
    if (!c.has_argmax()) {
        r.absent("argmax", "for per_sample_ce");
    } else if (r.present("argmax")) {
        const std::vector<double> v = r.numbers("argmax", c.B, dtype::float64, "B");
        c.argmax.emplace();
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (!(v[i] >= 0 && v[i] < static_cast<double>(c.columns()) && v[i] == std::floor(v[i])))
                r.fail("argmax", detail::cat("element ", std::to_string(i), " is not a column index"));
            c.argmax->push_back(static_cast<std::int64_t>(v[i]));
        }
    }
    return c;
}

/// Reads the cases of a parsed file: {"cases": [...]}. (pytorch_parity tells a file of forward
/// cases by a field "out", which no other kind has.)
inline std::vector<forward_case> parse_cases(const nlohmann::json& j, const std::string& file = "") {
    return detail::parse_file(j, file, parse_case);
}
}  // namespace parity::forward
