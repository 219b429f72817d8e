// pytorch_parity: ctgrad against PyTorch on the golden case files of tests/data: perceptron,
// layer, GELU, forward, regularized and elementwise cases; torch.optim's updates (optimizer
// cases), the training examples' first 100 steps (training cases) and PyTorch's printed tensors.
//
//     pytorch_parity CASES.json            evaluate every case; print the results as JSON
//     pytorch_parity --check CASES.json    compare with the file's reference results
//     pytorch_parity --precision float64 ...   evaluate in that precision, not the case's own
//     pytorch_parity --help
//
// This file reads the command line and tells the kind of file; each kind is run by its own
// translation unit (tool.hpp lists them; run_cases.hpp has the loops they share), so that a
// parallel build compiles their ctgrad programs side by side.
//
// CASES.json is a file of one of nine kinds (format: tests/data/README.md), told apart by its
// content: elementwise cases when some case has a field "op", optimizer cases when some case
// has a field "optimizer", training cases when some case has a field "batches", printing cases
// when some case has a field "expected", layer cases when some case has a field "layers",
// forward cases when some case has a field "out", GELU cases when some case has a field "model"
// (and is of none of those kinds), regularized cases when some case has a field "y" (and is of
// none of those kinds), perceptron cases otherwise.
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
//   forward cases (tests/data/forward_cases.json): value(e) of five models (a sigmoid or tanh
//     layer, tanh or relu MLP logits, a per-sample cross-entropy) and the argmax of each row;
//     5 models x 2 precisions, see pytorch_parity_forward.hpp.
//   regularized cases (tests/data/regularized_cases.json): losses with weight decay or L1
//     terms of the parameters (and one of parameters alone); 5 losses x 2 precisions, see
//     pytorch_parity_regularized.hpp.
//   optimizer cases (tests/data/optimizer_cases.json): ctgrad::optim's SGD, Adam and AdamW
//     stepped 100 times from the initial values and gradients regenerated from each case's
//     seed, against torch.optim's parameters after steps 1, 10, 100 and state after 100; see
//     pytorch_parity_optimizers.hpp (shared with tests/unit/test_optimizers.cpp).
//   training cases (tests/data/training_cases.json): the training examples' first 100 SGD
//     steps, replayed with their own code from the stored rows, initial parameters and batches,
//     against PyTorch's losses and final parameters; see pytorch_parity_training.hpp (shared
//     with test_training_parity.cpp).
//   printing cases (tests/data/torch_format_cases.json): format_tensor's strings against
//     PyTorch 1.13's; see pytorch_parity_torch_format.hpp (shared with test_torch_format.cpp).
//   elementwise cases (tests/data/elementwise_cases.json): abs, maximum, minimum, clamp and the
//     L1, Huber and smooth L1 losses, directly on two tensors and in a perceptron, a two-layer
//     tanh model and maximum/relu/clamp hidden layers, values on the kinks; 25 programs x 2
//     precisions, see pytorch_parity_elementwise.hpp (shared with tests/unit/test_abs_clamp.cpp
//     and test_robust_losses.cpp; the programs are compiled once for both, in the library
//     ctgrad_parity_programs, as the layer cases' are: programs/).
// The loss cases are evaluated by ctgrad (value_and_grad), in their own dtype unless
// --precision says otherwise; optimizer, training and printing cases in their own dtype only
// (--precision is an input error there).
//
// Plain mode prints {"cases":[...]}, one case per line, numbers as the shortest decimal that
// reads back as the same double (float results are widened exactly; a NaN or infinity prints
// as the string "nan", "inf" or "-inf", as the case files write them). The file's result
// fields are optional then. A case is
//   perceptron:   {"name", "loss_value", "grad_w", "grad_b" (null without a bias), "grad_x"}
//   layers, GELU: {"name", "loss_value", "grad_w1", "grad_b1", "grad_w2", "grad_b2" (both null
//                 for one layer), "grad_x"}
//   forward:      {"name", "out", "argmax" (null for per_sample_ce)}
//   regularized:  {"name", "loss_value", "grad_w", "grad_b", "grad_x" (null for params_only)}
//   elementwise:  {"name", "loss", and the model's gradients: "grad_a" (and "grad_b") directly;
//                 "grad_w", "grad_b", "grad_x" for the perceptron; "grad_w1", "grad_b1",
//                 "grad_w2", "grad_b2" for the two-layer models}
//   optimizer:    {"name", "params": {"1", "10", "100": per parameter, its values at the case's
//                 sample indices}, "state": {buffer name: per parameter, ditto}, "steps"}
//   training:     {"name", "losses" (one per step), "w_final", ... (each parameter after the
//                 last step, by the file's names), "differs_from_example" (fields of the case
//                 that are not the example's own configuration, initial parameters or batches)}
//   printing:     {"name", "printed"}
//
// --check prints one line per case (name, dtype, worst error and where, PASS or FAIL), then
// "N passed, M failed". Elementwise, optimizer, training and printing cases have rules of their
// own (below);
// the others' (pytorch_parity_cases.hpp has the details and the reasons;
// pytorch_parity_layers.hpp the condition scales of the layered models):
//   error of an element = |ctgrad - reference| / max(|reference|, m, floor)
//   error of a case     = the largest over loss_value and every element of every gradient
//                         (forward cases: over every element of out; an argmax index that
//                         differs from PyTorch's is an infinite error)
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

#include <cstdio>
#include <exception>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "../pytorch_parity_layers.hpp"
#include "tool.hpp"

namespace {

constexpr const char* usage_text = R"(usage: pytorch_parity [--check] [--precision float32|float64] CASES.json
       pytorch_parity --help

Evaluates the cases of CASES.json (format: tests/data/README.md) with ctgrad: the loss value
and its gradients (forward cases: the model's value and argmax; optimizer and training cases:
100 steps; printing cases: a printed tensor). Loss cases are computed in their own dtype, or
in the precision given by --precision; the other kinds in their own dtype only. The file is of
one of nine kinds, told apart by its content:
  elementwise cases, when some case has a field "op" (tests/data/elementwise_cases.json):
    model "direct": mean(op(a[, b])) for op abs, clamp, clamp_min, clamp_max, clamp_reversed,
    maximum, minimum, clamp_min_tensor, clamp_max_tensor, or a loss of (a, b): l1_loss,
    huber_loss (delta 1 or 0.5), smooth_l1_loss (beta 1, 0.5 or 0); "perceptron": that loss
    of (x @ w.t() + b, t); "two_layer": of (tanh(x @ w1.t() + b1) @ w2.t() + b2, t); "hidden":
    F.mse_loss(act(x @ w1.t() + b1) @ w2.t() + b2, t), act maximum0, relu or clamp.
  optimizer cases, when some case has a field "optimizer" (tests/data/optimizer_cases.json):
    torch.optim's SGD, Adam or AdamW with the case's options, stepped 100 times from initial
    values and gradients regenerated from the case's seed; the parameters after steps 1, 10
    and 100 and the state after step 100, at the case's sample indices.
  training cases, when some case has a field "batches" (tests/data/training_cases.json):
    the training examples' first 100 SGD steps (examples/train_*.cpp), replayed with their own
    code from the stored rows, initial parameters and batches: each step's loss and the
    parameters after the last.
  printing cases, when some case has a field "expected" (tests/data/torch_format_cases.json):
    the case's tensor printed by ctgrad::io::format_tensor, as PyTorch 1.13 prints it.
  layer cases, when some case has a field "layers" (tests/data/layer_cases.json):
    one layer z = x @ w1.t() + b1, or two, z = act(x @ w1.t() + b1) @ w2.t() + b2 with act
    sigmoid, tanh, relu or softplus; loss mse_mean, half_sse or bce of sigmoid(z),
    bce_logits or cross_entropy of z; gradients with respect to w1, b1, w2, b2 and x.
  GELU cases, when some case has a field "model" and none "out" or "op"
  (tests/data/gelu_cases.json):
    a = F.gelu(x @ w1.t() + b1, approximate='tanh'); model "mse": F.mse_loss(a, t), or
    "cross_entropy": F.cross_entropy(a @ w2.t() + b2, y); the reference loss is "loss";
    gradients with respect to w1, b1, (w2, b2) and x.
  forward cases, when some case has a field "out" (tests/data/forward_cases.json):
    the value of model "perceptron" torch.sigmoid(x @ w1.t() + b1), "hidden_tanh"
    torch.tanh(x @ w1.t() + b1), "logits_tanh" or "logits_relu" act(x @ w1.t() + b1) @ w2.t()
    + b2, or "per_sample_ce" F.cross_entropy(logits_tanh, y, reduction='none'); and
    torch.argmax(out, dim=1) but for per_sample_ce. B may be 0.
  regularized cases, when some case has a field "y" (tests/data/regularized_cases.json):
    z = x @ w.t() + b; loss "mse_l2", "bce_logits_l2", "ce_l2", "mse_l1" (a data loss plus
    weight decay or L1 of w, b) or "params_only"; gradients with respect to w, b and x.
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
  forward: {"cases":[{"name":..., "out":[...], "argmax":[...] or null}]}
  regularized: {"cases":[{"name":..., "loss_value":..., "grad_w":[...], "grad_b":[...],
                "grad_x":[...] or null}]}
  elementwise: {"cases":[{"name":..., "loss":..., and the model's gradients: "grad_a" (and
                "grad_b"); "grad_w", "grad_b", "grad_x"; or "grad_w1", "grad_b1", "grad_w2",
                "grad_b2"}]}
  optimizer: {"cases":[{"name":..., "params":{"1":[[...],...], "10":..., "100":...},
              "state":{"exp_avg":[[...],...], ...}, "steps":100}]} (per parameter, the
              values at the case's sample indices)
  training: {"cases":[{"name":..., "losses":[...], "w_final":[...], ...,
             "differs_from_example":[...]}]} (the parameters by the file's names)
  printing: {"cases":[{"name":..., "printed":"tensor([...]..."}]}
  A NaN or infinity prints as the string "nan", "inf" or "-inf". The file's result fields
  (the loss value and the gradients) are optional.

With --check: compares with the file's result fields (required then) and prints one line
per case: name, dtype, worst error and where it is, PASS or FAIL; then "N passed, M failed".
Elementwise cases: error = the largest of |loss - ref| / max(1, |ref|) and, per gradient,
  max |g - ref| / max |ref|; PASS when <= 1e-6 (float32) or 1e-14 (float64) for "direct",
  2e-6 or 1e-13 for "perceptron" and "hidden", 2e-5 or 1e-12 for "two_layer". Where
  smooth_l1_loss with beta 0 has d = 0, PyTorch 1.13's gradient -1/size (checked) is taken as
  0, l1_loss's and ctgrad's.
Optimizer cases: error = |ctgrad - torch| / (eps * max(|torch|, rms)) with eps the machine
  epsilon of the case's dtype and rms that of the parameter or buffer's stored values; PASS
  when <= 0 (bitwise) in a build with FMA, 16 without.
Training cases: the configuration, initial parameters and batches must be the example's own
  (else the error is infinite); error = the largest of each step's |loss - ref| / |ref| and
  each final parameter's max |ctgrad - ref| / max |ref|; PASS when <= 1e-5.
Printing cases: PASS when the strings are equal (error 0; else 1, at the first char that
  differs).
The other kinds:
  error of an element = |ctgrad - ref| / max(|ref|, m, floor)
  error of a case     = the largest over loss_value and all elements of every gradient
                        (forward cases: all elements of out; an argmax that differs from
                        PyTorch's is an infinite error)
  where the reference is NaN, ctgrad's value must be NaN; where it is +-inf, the same
  infinity (error 0, else the error is infinite)
  PASS when the error <= rtol, by the case's dtype (with --precision, the coarser of the two):
    float32: rtol 1e-5,  floor 2^-126  (FLT_MIN, the smallest normal float)
    float64: rtol 1e-12, floor 2^-1022 (DBL_MIN)
  m is the element's condition scale: a first-order bound of its rounding error divided by
  the unit roundoff, computed in double from the case's inputs (formulas at the top of
  examples/pytorch_parity_cases.hpp; for the layers, examples/pytorch_parity_layers.hpp;
  forward and regularized cases: pytorch_parity_forward.hpp, pytorch_parity_regularized.hpp).
  m is at least about |ref|, larger by the element's condition number: each element is
  judged relative to what rounding can do to it, a few |ref| for well-conditioned ones, far
  more for an element much smaller than its terms (a sum that cancels, o close to t, a
  sigmoid close to saturation), where even PyTorch's float32 results are up to 1e-3 away
  from the exact values in plain relative error.

Exit status: 0 success, 1 a case failed its check, 2 bad usage or bad input (the message on
stderr names the case and the field).
)";

int usage_error(const std::string& message) {
    std::fprintf(stderr, "pytorch_parity: %s\n(pytorch_parity --help for usage)\n", message.c_str());
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    parity::tool::options opt;
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
        // The kind of file, by a field that only its cases have. (Forward cases have a field
        // "model" too, as GELU cases do.)
        using parity::detail::some_case_has;
        if (some_case_has(file, "op"))  // (before GELU cases: elementwise cases have a "model" too)
            return parity::tool::run_elementwise_cases(opt, file);
        if (some_case_has(file, "optimizer"))
            return parity::tool::run_optimizer_cases(opt, file);
        if (some_case_has(file, "batches"))
            return parity::tool::run_training_cases(opt, file);
        if (some_case_has(file, "expected"))
            return parity::tool::run_torch_format_cases(opt, file);
        if (parity::layers::is_layer_file(file))
            return parity::tool::run_layer_cases(opt, file);
        if (some_case_has(file, "out"))
            return parity::tool::run_forward_cases(opt, file);
        if (some_case_has(file, "model"))
            return parity::tool::run_gelu_cases(opt, file);
        if (some_case_has(file, "y"))  // (as layer, forward and GELU cases have, tested above)
            return parity::tool::run_regularized_cases(opt, file);
        return parity::tool::run_perceptron_cases(opt, file);
    } catch (const parity::input_error& e) {
        std::fprintf(stderr, "pytorch_parity: %s\n", e.what());
        return 2;
    } catch (const std::exception& e) {  // e.g. std::bad_alloc on a huge case
        std::fprintf(stderr, "pytorch_parity: %s: %s\n", opt.path.c_str(), e.what());
        return 2;
    }
}
