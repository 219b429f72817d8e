#pragma once
// pytorch_parity's parts: the options of a run, and one entry point per kind of case file,
// each defined in its own translation unit (perceptron.cpp, layers.cpp, forward.cpp, ...) so that
// a parallel build compiles their ctgrad programs side by side and no one compile holds them
// all (the single-file tool took ~150 s of CPU and 3.2 GB with g++ 12 -O3). main.cpp parses the
// command line and picks the kind.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "../pytorch_parity_cases.hpp"

namespace parity::tool {

/// The command line of a run.
struct options {
    bool check = false;                // --check: compare with the file's results
    std::optional<dtype> precision;    // --precision; default: each case's own dtype
    std::string path;                  // the file of cases, for messages
};

// Each runs the cases of a parsed file of its kind: plain mode prints the results as JSON,
// --check compares them and prints a line per case. They return the exit status (0, or 1 when
// a case fails) and throw input_error on bad input.

/// Perceptron cases (perceptron_cases.json, perceptron_more_cases.json, empty_batch_cases.json,
/// nonfinite_cases.json): perceptron.cpp.
int run_perceptron_cases(const options& opt, const nlohmann::json& file);
/// Layer cases (layer_cases.json): layers.cpp, its programs in the library
/// ctgrad_parity_programs (programs/layer_programs_*.cpp).
int run_layer_cases(const options& opt, const nlohmann::json& file);
/// GELU cases (gelu_cases.json), evaluated and compared as layer cases: layers.cpp.
int run_gelu_cases(const options& opt, const nlohmann::json& file);
/// Forward cases (forward_cases.json): forward.cpp.
int run_forward_cases(const options& opt, const nlohmann::json& file);
/// Regularized cases (regularized_cases.json): regularized.cpp.
int run_regularized_cases(const options& opt, const nlohmann::json& file);
/// Elementwise cases (elementwise_cases.json: abs, clamp, maximum, minimum, the L1/Huber/smooth
/// L1 losses): elementwise.cpp, its programs in the library ctgrad_parity_programs
/// (programs/elementwise_programs_*.cpp), shared with the unit tests.
int run_elementwise_cases(const options& opt, const nlohmann::json& file);
/// Optimizer cases (optimizer_cases.json: torch.optim's SGD, Adam, AdamW over 100 steps): optimizers.cpp.
int run_optimizer_cases(const options& opt, const nlohmann::json& file);
/// Training cases (training_cases.json: the training examples' first 100 SGD steps): training.cpp.
int run_training_cases(const options& opt, const nlohmann::json& file);
/// Printing cases (torch_format_cases.json: PyTorch's printed tensors): torch_format.cpp.
int run_torch_format_cases(const options& opt, const nlohmann::json& file);

}  // namespace parity::tool
