// pytorch_parity: ctgrad against PyTorch on golden perceptron cases, layer cases and GELU cases.
//
//     pytorch_parity CASES.json            evaluate every case; print the results as JSON
//     pytorch_parity --check CASES.json    compare with the file's reference results
//     pytorch_parity --precision float64 ...   evaluate in that precision, not the case's own
//     pytorch_parity --help
//
// CASES.json is a file of one of three kinds (format: tests/data/README.md), told apart by its
// content: layer cases when some case has a field "layers", GELU cases when some case has a
// field "model", perceptron cases otherwise.
//   perceptron cases (tests/data/perceptron_cases.json, perceptron_more_cases.json,
//     empty_batch_cases.json, nonfinite_cases.json): each is evaluated with one of 22 compiled
//     programs (float or double x 11 variants: mse_mean or half_sse x bias or not x given or
//     "ones" target, and mse_sum, bce_mean, bce_logits_mean with a bias and a given target),
//     chosen at run time; see pytorch_parity_cases.hpp. B may be 0 (the empty batch), and
//     numbers may be the strings "nan", "inf", "-inf".
//   layer cases (tests/data/layer_cases.json): one or two layers, activations and losses
//     through cross-entropy; 19 model types x 2 precisions, see pytorch_parity_layers.hpp.
//   GELU cases (tests/data/gelu_cases.json): the tanh-approximate GELU, one layer with an MSE
//     and two layers with a cross-entropy; 2 models x 2 precisions, evaluated and compared as
//     layer cases, see pytorch_parity_gelu.hpp.
// Each case is evaluated by ctgrad (value_and_grad), in its own dtype unless --precision says
// otherwise.
//
// Plain mode prints {"cases":[...]}, one case per line, numbers as the shortest decimal that
// reads back as the same double (float results are widened exactly; a NaN or infinity prints
// as the string "nan", "inf" or "-inf", as the case files write them). The file's result
// fields are optional then. A case is
//   perceptron:   {"name", "loss_value", "grad_w", "grad_b" (null without a bias), "grad_x"}
//   layers, GELU: {"name", "loss_value", "grad_w1", "grad_b1", "grad_w2", "grad_b2" (both null
//                 for one layer), "grad_x"}
//
// --check prints one line per case (name, dtype, worst error and where, PASS or FAIL), then
// "N passed, M failed". The rule (pytorch_parity_cases.hpp has the details and the reasons;
// pytorch_parity_layers.hpp the condition scales of the layered models):
//   error of an element = |ctgrad - reference| / max(|reference|, m, floor)
//   error of a case     = the largest over loss_value and every element of every gradient
//   (a NaN reference needs a NaN, an infinite one the same infinity: error 0, else infinite)
//   PASS when the error <= rtol:   float32: rtol 1e-5,  floor 2^-126 (smallest normal float)
//                                  float64: rtol 1e-12, floor 2^-1022 (smallest normal double)
// by the case's dtype (with --precision, the coarser of it and the case's dtype), m being the
// element's condition scale: a first-order bound of its rounding error divided by the unit
// roundoff, computed in double from the inputs; it exceeds |reference| by the element's
// condition number. So each element is judged relative to what rounding can do to it: a few
// |reference| when well-conditioned, far more for an element much smaller than its terms (a
// sum that cancels, o close to t, a sigmoid close to saturation).
//
// Exit status: 0 success (every case passes), 1 some case fails its check, 2 bad usage or bad
// input (unreadable file, invalid JSON, a missing or malformed field: the message names the
// case and the field; nothing is printed on stdout then).

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pytorch_parity_cases.hpp"
#include "pytorch_parity_gelu.hpp"
#include "pytorch_parity_layers.hpp"

namespace {

constexpr const char* usage_text = R"(usage: pytorch_parity [--check] [--precision float32|float64] CASES.json
       pytorch_parity --help

Evaluates the cases of CASES.json (format: tests/data/README.md) with ctgrad: the loss value
and its gradients. Each case is computed in its own dtype, or in the precision given by
--precision. The file is of one of three kinds, told apart by its content:
  layer cases, when some case has a field "layers" (tests/data/layer_cases.json):
    one layer z = x @ w1.t() + b1, or two, z = act(x @ w1.t() + b1) @ w2.t() + b2 with act
    sigmoid, tanh, relu or softplus; loss mse_mean, half_sse or bce of sigmoid(z),
    bce_logits or cross_entropy of z; gradients with respect to w1, b1, w2, b2 and x.
  GELU cases, when some case has a field "model" (tests/data/gelu_cases.json):
    a = F.gelu(x @ w1.t() + b1, approximate='tanh'); model "mse": F.mse_loss(a, t), or
    "cross_entropy": F.cross_entropy(a @ w2.t() + b2, y); the reference loss is "loss";
    gradients with respect to w1, b1, (w2, b2) and x.
  perceptron cases otherwise (tests/data/perceptron_cases.json, perceptron_more_cases.json,
  empty_batch_cases.json, nonfinite_cases.json):
    o = sigmoid(x @ w.t() (+ b)), loss "mse_mean" (F.mse_loss) or "half_sse"
    (0.5 * sum (o - t)^2); with a bias and a given t also "mse_sum" (sum (o - t)^2),
    "bce_mean" (F.binary_cross_entropy) or "bce_logits_mean"
    (F.binary_cross_entropy_with_logits of x @ w.t() + b); gradients with respect to w, b
    and x. B may be 0 (an empty batch).
Numbers may be JSON numbers or the strings "nan", "inf" and "-inf".

Without --check: prints the results as JSON on stdout, one case per line:
  perceptron: {"cases":[{"name":..., "loss_value":..., "grad_w":[...], "grad_b":[...] or null,
               "grad_x":[...]}]}
  layers, GELU: {"cases":[{"name":..., "loss_value":..., "grad_w1":[...], "grad_b1":[...],
                 "grad_w2":[...] or null, "grad_b2":[...] or null, "grad_x":[...]}]}
                 (grad_w2 and grad_b2 are null for one layer)
  A NaN or infinity prints as the string "nan", "inf" or "-inf". The file's result fields
  (the loss value and the gradients) are optional.

With --check: compares with the file's result fields (required then) and prints one line
per case: name, dtype, worst error and where it is, PASS or FAIL; then "N passed, M failed".
  error of an element = |ctgrad - ref| / max(|ref|, m, floor)
  error of a case     = the largest over loss_value and all elements of every gradient
  where the reference is NaN, ctgrad's value must be NaN; where it is +-inf, the same
  infinity (error 0, else the error is infinite)
  PASS when the error <= rtol, by the case's dtype (with --precision, the coarser of the two):
    float32: rtol 1e-5,  floor 2^-126  (FLT_MIN, the smallest normal float)
    float64: rtol 1e-12, floor 2^-1022 (DBL_MIN)
  m is the element's condition scale: a first-order bound of its rounding error divided by
  the unit roundoff, computed in double from the case's inputs (formulas at the top of
  examples/pytorch_parity_cases.hpp; for the layers, examples/pytorch_parity_layers.hpp).
  m is at least about |ref|, larger by the element's condition number: each element is
  judged relative to what rounding can do to it, a few |ref| for well-conditioned ones, far
  more for an element much smaller than its terms (a sum that cancels, o close to t, a
  sigmoid close to saturation), where even PyTorch's float32 results are up to 1e-3 away
  from the exact values in plain relative error.

Exit status: 0 success, 1 a case failed its check, 2 bad usage or bad input (the message on
stderr names the case and the field).
)";

struct options {
    bool check = false;
    std::optional<parity::dtype> precision;  // default: each case's own dtype
    std::string path;
};

template <class Case>
parity::dtype precision_of(const options& opt, const Case& c) {
    return opt.precision.value_or(c.type);
}

int usage_error(const std::string& message) {
    std::fprintf(stderr, "pytorch_parity: %s\n(pytorch_parity --help for usage)\n", message.c_str());
    return 2;
}

// A number as the case files write it: NaN and the infinities as strings (JSON has none).
nlohmann::ordered_json encode(double v) {
    if (std::isnan(v))
        return "nan";
    if (std::isinf(v))
        return v > 0 ? "inf" : "-inf";
    return v;
}

nlohmann::ordered_json encode(const std::vector<double>& v) {
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    for (double e : v)
        a.push_back(encode(e));
    return a;
}

// ordered_json: the fields in the documented order.
nlohmann::ordered_json to_json(const parity::perceptron_case& c, const parity::results& r) {
    return {{"name", c.name},
            {"loss_value", encode(r.loss_value)},
            {"grad_w", encode(r.grad_w)},
            {"grad_b", c.bias ? encode(r.grad_b) : nlohmann::ordered_json(nullptr)},
            {"grad_x", encode(r.grad_x)}};
}

// Layer cases and GELU cases (a gelu_case is a layer_case).
nlohmann::ordered_json to_json(const parity::layers::layer_case& c, const parity::layers::results& r) {
    nlohmann::ordered_json j{{"name", c.name}, {"loss_value", encode(r.loss_value)}};
    for (std::size_t f = 0; f < r.grad.size(); ++f)
        j[parity::layers::field_names[f]] = c.sizes()[f] != 0 ? encode(r.grad[f]) : nlohmann::ordered_json(nullptr);
    return j;
}

// The three kinds of cases share the loops below: `evaluate`, `compare`, `missing_result` and
// `reference_of` are found by argument-dependent lookup, in parity, parity::layers or
// parity::gelu (a gelu_case's own evaluate and missing_result; the others of its base,
// layer_case).

/// Plain mode: every case's results, as JSON, one case per line.
template <class Case>
int print_results(const options& opt, const std::vector<Case>& cases) {
    std::vector<std::string> lines;  // evaluate everything before printing anything
    lines.reserve(cases.size());
    for (const auto& c : cases)
        lines.push_back(to_json(c, evaluate(c, precision_of(opt, c))).dump());
    std::string out = "{\"cases\":[";
    for (std::size_t i = 0; i < lines.size(); ++i)
        out.append(i ? ",\n" : "\n").append(lines[i]);
    out.append("\n]}\n");
    std::fputs(out.c_str(), stdout);
    return 0;
}

/// --check: one line per case, then a summary. Every reference field is required.
template <class Case>
int check(const options& opt, const std::vector<Case>& cases) {
    if (cases.empty())
        throw parity::input_error(parity::detail::cat(opt.path, ": no cases to check"));
    for (const auto& c : cases) {
        if (const std::optional<std::string> missing = missing_result(c))
            throw parity::input_error(parity::detail::cat(opt.path, ": case '", c.name, "', ", *missing));
    }
    std::size_t width = 4;
    for (const auto& c : cases)
        width = std::max(width, c.name.size());
    std::size_t passed = 0, failed = 0;
    for (const auto& c : cases) {
        const parity::dtype precision = precision_of(opt, c);
        const parity::tolerance tol = parity::tolerance_for(precision, c.type);
        const auto e = compare(c, evaluate(c, precision), reference_of(c), tol.floor);
        const bool pass = parity::passes(e, tol);
        (pass ? passed : failed) += 1;
        const std::string computed = precision == c.type ? "" : std::string(" as ") + parity::name_of(precision);
        std::printf("%-*s  %s%s  error %.2e at %-14s %s\n", static_cast<int>(width), c.name.c_str(),
                    parity::name_of(c.type), computed.c_str(), e.error, e.where.c_str(), pass ? "PASS" : "FAIL");
    }
    std::printf("%zu passed, %zu failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    options opt;
    bool have_path = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--help" || a == "-h") {
            std::fputs(usage_text, stdout);
            return 0;
        } else if (a == "--check") {
            opt.check = true;
        } else if (a == "--precision" || a.starts_with("--precision=")) {
            std::string_view p;
            if (a == "--precision") {
                if (i + 1 == argc)
                    return usage_error("--precision needs float32 or float64");
                p = argv[++i];
            } else {
                p = a.substr(a.find('=') + 1);
            }
            if (p == "float32")
                opt.precision = parity::dtype::float32;
            else if (p == "float64")
                opt.precision = parity::dtype::float64;
            else
                return usage_error(parity::detail::cat("--precision takes float32 or float64, not '", p, "'"));
        } else if (a.size() > 1 && a[0] == '-') {
            return usage_error(parity::detail::cat("unknown option '", a, "'"));
        } else if (have_path) {
            return usage_error(parity::detail::cat("one file of cases, please (got '", opt.path, "' and '", a, "')"));
        } else {
            opt.path = a;
            have_path = true;
        }
    }
    if (!have_path)
        return usage_error("no file of cases given");

    try {
        const nlohmann::json file = parity::detail::read_json(opt.path);
        const auto run_on = [&](const auto& cases) {
            return opt.check ? check(opt, cases) : print_results(opt, cases);
        };
        if (parity::layers::is_layer_file(file))
            return run_on(parity::layers::parse_cases(file, opt.path));
        if (parity::gelu::is_gelu_file(file))
            return run_on(parity::gelu::parse_cases(file, opt.path));
        return run_on(parity::parse_cases(file, opt.path));
    } catch (const parity::input_error& e) {
        std::fprintf(stderr, "pytorch_parity: %s\n", e.what());
        return 2;
    } catch (const std::exception& e) {  // e.g. std::bad_alloc on a huge case
        std::fprintf(stderr, "pytorch_parity: %s: %s\n", opt.path.c_str(), e.what());
        return 2;
    }
}
