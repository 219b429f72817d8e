#pragma once
// abs, maximum, minimum, clamp and the L1, Huber and smooth L1 losses as PyTorch 1.13 computes
// them (tests/data/elementwise_cases.json, made by tests/tools/make_elementwise_cases.py; format
// in tests/data/README.md): the programs of the file's (model, op) pairs, reading the cases,
// evaluating them with value_and_grad, comparing. Shared by examples/pytorch_parity (the tool,
// pytorch_parity/elementwise.cpp) and tests/unit/test_abs_clamp.cpp, test_robust_losses.cpp
// (which also run the reference evaluator on the same expressions, `loss_of<P>()`); the
// value_and_grad programs are compiled once for both (pytorch_parity/programs/).
//
// The models (`model`), each with the ops the file gives it (`op`):
//   "direct"      the op on a [B, K] (and b [B, K]) directly, under a mean: abs, clamp (-0.5, 1),
//                 clamp_min (-0.5), clamp_max (1), clamp_reversed (min 1 > max -0.5), maximum,
//                 minimum, clamp_min_tensor, clamp_max_tensor; or the loss of (a, b): l1_loss,
//                 huber_loss, huber_loss_delta_0.5, smooth_l1_loss, smooth_l1_loss_beta_0.5,
//                 smooth_l1_loss_beta_0; gradients grad_a (and grad_b)
//   "perceptron"  the loss of (x @ w.t() + b, t); gradients grad_w, grad_b, grad_x
//   "two_layer"   the loss of (tanh(x @ w1.t() + b1) @ w2.t() + b2, t); grad_w1, grad_b1, grad_w2, grad_b2
//   "hidden"      F.mse_loss(act(x @ w1.t() + b1) @ w2.t() + b2, t), act: maximum0
//                 (torch.maximum(z, 0)), relu, clamp (-0.5, 0.5); the same gradients
// 25 programs (`programs`: the file's pairs), in float and double: 50, chosen at run time.
//
// Comparison rule (`compare`), the unit tests' since these cases were made: the data are
// multiples of 1/8 (weights 1/4), exact in float32, placed exactly on the kinks (ties, 0, the
// clamp bounds, |d| = delta) so that only the final sums round (but for two_layer, whose tanh
// rounds in float32 as PyTorch's does). So each case is judged normwise:
//   loss:      |ctgrad - ref| / max(1, |ref|)
//   gradient:  max_i |ctgrad_i - ref_i| / max(max_i |ref_i|, 1e-30), field by field
//   error of a case = the largest of these; a NaN is an infinite error
// passing when at most, by the reference's precision (with --precision, the coarser):
//   direct: 1e-6 (float32), 1e-14 (float64); perceptron, hidden: 2e-6, 1e-13;
//   two_layer: 2e-5, 1e-12.
// A kink decided the wrong way (a tie's half, a bound's gradient) moves a gradient element by
// 1/size of the batch or more: far beyond these. One deliberate difference (`reference_of`):
// PyTorch 1.13's F.smooth_l1_loss with beta 0 gives the gradient -1/size to the input and to
// the target where d is exactly 0, where F.l1_loss and ctgrad give 0; the reference there is
// taken as 0 after checking that the file has PyTorch's -1/size (else the case fails).

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <ctgrad/ctgrad.hpp>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "pytorch_parity_cases.hpp"

namespace parity::elementwise {

/// The models of the file, by `model`.
enum class model_kind { direct, perceptron, two_layer, hidden };
inline constexpr std::array<const char*, 4> model_names{"direct", "perceptron", "two_layer", "hidden"};

/// A program: a model and an op, as the file names them.
struct program_name {
    model_kind model;
    const char* op;
};

/// The programs, in the order of `loss_of`'s index.
inline constexpr std::array<program_name, 25> programs{{
    {model_kind::direct, "abs"},
    {model_kind::direct, "clamp"},
    {model_kind::direct, "clamp_min"},
    {model_kind::direct, "clamp_max"},
    {model_kind::direct, "clamp_reversed"},
    {model_kind::direct, "maximum"},
    {model_kind::direct, "minimum"},
    {model_kind::direct, "clamp_min_tensor"},
    {model_kind::direct, "clamp_max_tensor"},
    {model_kind::direct, "smooth_l1_loss_beta_0"},
    {model_kind::direct, "l1_loss"},
    {model_kind::direct, "huber_loss"},
    {model_kind::direct, "huber_loss_delta_0.5"},
    {model_kind::direct, "smooth_l1_loss"},
    {model_kind::direct, "smooth_l1_loss_beta_0.5"},
    {model_kind::perceptron, "l1_loss"},
    {model_kind::perceptron, "huber_loss"},
    {model_kind::perceptron, "huber_loss_delta_0.5"},
    {model_kind::perceptron, "smooth_l1_loss_beta_0.5"},
    {model_kind::two_layer, "l1_loss"},
    {model_kind::two_layer, "huber_loss"},
    {model_kind::two_layer, "smooth_l1_loss_beta_0.5"},
    {model_kind::hidden, "maximum0"},
    {model_kind::hidden, "relu"},
    {model_kind::hidden, "clamp"},
}};

/// The first program of the direct ops of two tensors (those before it have a alone).
inline constexpr std::size_t first_binary = 5;
/// The first program of a model (perceptron, two_layer, hidden): those before it are direct.
inline constexpr std::size_t first_model = 15;
static_assert(programs[first_binary - 1].model == model_kind::direct && programs[first_model - 1].model == model_kind::direct &&
              programs[first_model].model == model_kind::perceptron);

/// The variables of the models.
namespace model {
using namespace ctgrad;
inline constexpr axis<"n"> n{};
inline constexpr axis<"h"> h{};
inline constexpr axis<"k"> k{};
// direct: the op on a (and b), [batch, k]
inline constexpr auto a = input<"a">(batch, k);
inline constexpr auto b = input<"b">(batch, k);
// perceptron, two_layer, hidden
inline constexpr auto x = input<"x">(batch, n);
inline constexpr auto t = input<"t">(batch, k);
inline constexpr auto w = parameter<"w">(k, n);
inline constexpr auto bias = parameter<"b">(k);  // "b" of the perceptron (a is "a", b above is an input)
inline constexpr auto w1 = parameter<"w1">(h, n);
inline constexpr auto b1 = parameter<"b1">(h);
inline constexpr auto w2 = parameter<"w2">(k, h);
inline constexpr auto b2 = parameter<"b2">(k);
inline constexpr auto z = matmul(x, transpose(w)) + bias;
inline constexpr auto z1 = matmul(x, transpose(w1)) + b1;
/// The second layer of a two-layer model on `hidden`.
template <class H>
constexpr auto output(const H& hidden) {
    return matmul(hidden, transpose(w2)) + b2;
}
// Exact constants at namespace scope (clang 14 leaves a consteval literal operator undefined
// when it is used in a template instantiated outside a constant expression).
inline constexpr auto half = constant_expr<1, 2>{};
inline constexpr auto minus_half = constant_expr<-1, 2>{};
}  // namespace model

/// The regression losses of (input, target), by the names the file gives them.
inline constexpr std::array<std::string_view, 5> regression_loss_names{
    "l1_loss", "huber_loss", "huber_loss_delta_0.5", "smooth_l1_loss", "smooth_l1_loss_beta_0.5"};

/// The regression loss named `regression_loss_names[L]` of (input, target).
template <std::size_t L, class I, class T>
constexpr auto regression_loss(const I& i, const T& t) {
    using namespace ctgrad;
    if constexpr (L == 0)
        return l1_loss(i, t);
    else if constexpr (L == 1)
        return huber_loss(i, t);
    else if constexpr (L == 2)
        return huber_loss(i, t, model::half);
    else if constexpr (L == 3)
        return smooth_l1_loss(i, t);
    else
        return smooth_l1_loss(i, t, model::half);
}

/// The index in regression_loss_names of program P's op.
template <std::size_t P>
constexpr std::size_t regression_loss_index() {
    const auto it = std::find(regression_loss_names.begin(), regression_loss_names.end(), programs[P].op);
    return static_cast<std::size_t>(it - regression_loss_names.begin());
}

/// The loss expression of program P (an index into `programs`).
template <std::size_t P>
constexpr auto loss_of() {
    using namespace ctgrad;
    using namespace model;
    constexpr model_kind m = programs[P].model;
    constexpr std::string_view op = programs[P].op;
    if constexpr (m == model_kind::perceptron)
        return regression_loss<regression_loss_index<P>()>(z, t);
    else if constexpr (m == model_kind::two_layer)
        return regression_loss<regression_loss_index<P>()>(output(tanh(z1)), t);
    else if constexpr (m == model_kind::hidden && op == "maximum0")
        return mse_loss(output(maximum(z1, zero_expr{})), t);
    else if constexpr (m == model_kind::hidden && op == "relu")
        return mse_loss(output(relu(z1)), t);
    else if constexpr (m == model_kind::hidden)
        return mse_loss(output(clamp(z1, minus_half, half)), t);
    else if constexpr (op == "abs")
        return mean(abs(a));
    else if constexpr (op == "clamp")
        return mean(clamp(a, minus_half, one_expr{}));
    else if constexpr (op == "clamp_min")
        return mean(clamp_min(a, minus_half));
    else if constexpr (op == "clamp_max")
        return mean(clamp_max(a, one_expr{}));
    else if constexpr (op == "clamp_reversed")
        return mean(clamp(a, one_expr{}, minus_half));
    else if constexpr (op == "maximum")
        return mean(maximum(a, b));
    else if constexpr (op == "minimum")
        return mean(minimum(a, b));
    else if constexpr (op == "clamp_min_tensor")
        return mean(clamp_min(a, b));
    else if constexpr (op == "clamp_max_tensor")
        return mean(clamp_max(a, b));
    else if constexpr (op == "smooth_l1_loss_beta_0")
        return smooth_l1_loss(a, b, zero_expr{});
    else
        return regression_loss<regression_loss_index<P>()>(a, b);
}

/// The gradient fields of a model, in the order value_and_grad computes them.
inline std::vector<const char*> gradient_names(model_kind m, bool binary) {
    switch (m) {
    case model_kind::direct: return binary ? std::vector{"grad_a", "grad_b"} : std::vector{"grad_a"};
    case model_kind::perceptron: return {"grad_w", "grad_b", "grad_x"};
    default: return {"grad_w1", "grad_b1", "grad_w2", "grad_b2"};
    }
}

/// ctgrad's results (or the file's reference results) of a case, in double.
struct results {
    double loss = 0;
    std::vector<std::vector<double>> grads;  ///< in the order of `gradient_names`
};

/// One case of elementwise_cases.json: the program, its inputs and PyTorch's results when present.
struct elementwise_case {
    std::string name;
    dtype type = dtype::float32;
    std::size_t program = 0;  ///< index into `programs`
    std::size_t B = 0, N = 0, H = 0, K = 0;
    std::vector<double> a, b, x, t, w, bias, w1, b1, w2, b2;
    std::optional<results> reference;  ///< PyTorch's loss and gradients

    model_kind model() const { return programs[program].model; }
    bool binary() const { return model() != model_kind::direct || program >= first_binary; }
};

// ---------------------------------------------------------------------------------------
// The programs

// Their value_and_grad programs are compiled once, for the tool and the unit tests, in the
// library ctgrad_parity_programs: pytorch_parity/programs/elementwise_programs.hpp
// (`evaluate_compiled`). The unit tests run the reference evaluator on the same expressions
// (`loss_of<P>()`, reached through `with_program`).

/// Calls f(std::integral_constant<std::size_t, P>{}) with P = `program`, for programs in
/// [First, Last): a run-time index made a compile-time one (to reach `loss_of<P>()`).
template <std::size_t First, std::size_t Last, class F>
void with_program(std::size_t program, F f) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        ((program == First + I ? f(std::integral_constant<std::size_t, First + I>{}) : void()), ...);
    }(std::make_index_sequence<Last - First>{});
}

// ---------------------------------------------------------------------------------------
// Comparison

/// The largest error that passes, for a case of model `m` against references of precision `d`.
inline double tolerance_for(model_kind m, dtype d) {
    const bool f32 = d == dtype::float32;
    if (m == model_kind::direct)
        return f32 ? 1e-6 : 1e-14;
    if (m == model_kind::two_layer)
        return f32 ? 2e-5 : 1e-12;
    return f32 ? 2e-6 : 1e-13;
}

/// How far a case's results are from the reference (see the top of the file).
struct case_error : worst_error {};

/// max_i |a_i - r_i| / max(max_i |r_i|, floor), the unit tests' normwise error; NaN when a
/// value is NaN, infinite when the sizes differ.
inline double normwise_error(const std::vector<double>& a, const std::vector<double>& r, double floor) {
    if (a.size() != r.size())
        return std::numeric_limits<double>::infinity();
    double diff = 0, scale = floor;
    for (std::size_t i = 0; i < r.size(); ++i) {
        const double d = std::fabs(a[i] - r[i]);
        if (std::isnan(d))
            return std::numeric_limits<double>::quiet_NaN();
        diff = std::max(diff, d);
        scale = std::max(scale, std::fabs(r[i]));
    }
    return diff / scale;
}

/// PyTorch's results of case `c` (present) as ctgrad is to give them: the file's, but for
/// smooth_l1_loss with beta 0 where d = a - b is exactly 0 (see the top of the file): there the
/// file must have PyTorch 1.13's -1/size for both gradients, taken as l1_loss's 0; `problem`
/// says where it does not.
inline results reference_of(const elementwise_case& c, std::optional<std::string>* problem = nullptr) {
    results r = *c.reference;
    if (std::string(programs[c.program].op) != "smooth_l1_loss_beta_0" || c.model() != model_kind::direct)
        return r;
    const double size = static_cast<double>(c.a.size());
    std::size_t ties = 0;
    for (std::size_t i = 0; i < c.a.size(); ++i) {
        if (c.a[i] != c.b[i])
            continue;
        ++ties;
        for (std::size_t g = 0; g < 2; ++g) {
            if (problem && !*problem && std::fabs(r.grads[g][i] + 1 / size) > 1e-6 / size)
                *problem = detail::cat(g == 0 ? "grad_a[" : "grad_b[", std::to_string(i),
                                       "] (PyTorch 1.13's -1/size at d = 0)");
            r.grads[g][i] = 0.0;
        }
    }
    if (problem && !*problem && ties == 0)
        *problem = "a, b (no tie d = 0, which this case is for)";
    return r;
}

/// Compares the results `a` of case `c` with PyTorch's (present).
inline case_error compare(const elementwise_case& c, const results& a) {
    std::optional<std::string> problem;
    const results r = reference_of(c, &problem);
    case_error e{{0, "loss"}};
    if (problem)
        e.add(std::numeric_limits<double>::infinity(), *problem);
    e.add(std::fabs(a.loss - r.loss) / std::max(1.0, std::fabs(r.loss)), "loss");
    const auto names = gradient_names(c.model(), c.binary());
    for (std::size_t g = 0; g < names.size(); ++g)
        e.add(g < a.grads.size() ? normwise_error(a.grads[g], r.grads[g], 1e-30) : std::numeric_limits<double>::infinity(),
              names[g]);
    return e;
}

/// The tolerance of case `c` computed in precision `computed`: by the coarser of it and the case's dtype.
inline double tolerance_of(const elementwise_case& c, dtype computed) {
    return tolerance_for(c.model(), computed == dtype::float32 || c.type == dtype::float32 ? dtype::float32
                                                                                           : dtype::float64);
}

/// What --check says of a case without PyTorch's results; nullopt when it has them.
inline std::optional<std::string> missing_result(const elementwise_case& c) {
    if (c.reference)
        return std::nullopt;
    return "field 'loss' or a gradient: missing (--check needs loss and every gradient of the model)";
}

// ---------------------------------------------------------------------------------------
// Reading

/// Reads case number `index` (0-based) of a file called `file` (for messages).
inline elementwise_case parse_case(const nlohmann::json& j, std::size_t index, const std::string& file = "") {
    elementwise_case c;
    const detail::case_reader r = detail::open_case(j, index, file, c.name);
    c.type = detail::dtype_of(r);
    const auto m = static_cast<model_kind>(r.choice("model", model_names));
    const std::string op = r.string("op");
    const auto p = std::find_if(programs.begin(), programs.end(),
                                [&](const program_name& n) { return n.model == m && op == n.op; });
    if (p == programs.end())
        r.fail("op", detail::cat("unknown op '", op, "' for model ", model_names[static_cast<std::size_t>(m)]));
    c.program = static_cast<std::size_t>(p - programs.begin());
    c.B = r.extent("B");
    c.K = r.extent("K");
    const std::size_t BK = detail::product(c.B, c.K);
    std::vector<std::size_t> sizes;
    if (m == model_kind::direct) {
        c.a = r.numbers("a", BK, c.type, "B*K");
        sizes.push_back(BK);
        if (c.binary()) {
            c.b = r.numbers("b", BK, c.type, "B*K");
            sizes.push_back(BK);
        }
    } else {
        c.N = r.extent("N");
        c.x = r.numbers("x", detail::product(c.B, c.N), c.type, "B*N");
        c.t = r.numbers("t", BK, c.type, "B*K");
        if (m == model_kind::perceptron) {
            c.w = r.numbers("w", detail::product(c.K, c.N), c.type, "K*N");
            c.bias = r.numbers("b", c.K, c.type, "K");
            sizes = {c.w.size(), c.K, c.x.size()};
        } else {
            c.H = r.extent("H");
            c.w1 = r.numbers("w1", detail::product(c.H, c.N), c.type, "H*N");
            c.b1 = r.numbers("b1", c.H, c.type, "H");
            c.w2 = r.numbers("w2", detail::product(c.K, c.H), c.type, "K*H");
            c.b2 = r.numbers("b2", c.K, c.type, "K");
            sizes = {c.w1.size(), c.H, c.w2.size(), c.K};
        }
    }
    const auto names = gradient_names(m, c.binary());
    bool all = r.present("loss");
    for (const char* g : names)
        all = all && r.present(g);
    if (all) {
        results ref;
        ref.loss = r.number("loss", dtype::float64);
        for (std::size_t g = 0; g < names.size(); ++g)
            ref.grads.push_back(r.numbers(names[g], sizes[g], dtype::float64, "its variable's size"));
        c.reference = std::move(ref);
    }
    return c;
}

/// Reads the cases of a parsed file: {"cases": [...]}. (pytorch_parity tells a file of these
/// cases by a field "op", which no other kind has.)
inline std::vector<elementwise_case> parse_cases(const nlohmann::json& j, const std::string& file = "") {
    return detail::parse_file(j, file, parse_case);
}

/// Reads and parses a file of elementwise cases.
inline std::vector<elementwise_case> load_cases(const std::string& path) {
    return parse_cases(detail::read_json(path), path);
}

}  // namespace parity::elementwise
