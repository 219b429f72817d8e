#pragma once
// torch.optim's SGD, Adam and AdamW step for step (tests/data/optimizer_cases.json, made by
// tests/tools/make_optimizer_cases.py; format in tests/data/README.md, "Optimizer cases"):
// reading a case, regenerating its initial parameters and its 100 gradients, replaying the
// steps with ctgrad::optim, comparing. Shared by examples/pytorch_parity (the tool,
// pytorch_parity/optimizers.cpp) and tests/unit/test_optimizers.cpp.
//
// Comparison rule: an element's error is |ctgrad − torch| / (ε_T · max(|torch|, rms)), with ε_T
// the machine epsilon of the case's dtype and rms the root mean square of the stored values of
// that parameter (or state buffer) at that checkpoint (values that pass near zero keep the
// absolute error of the larger ones); a case's error is the largest over the parameters after
// steps 1, 10 and 100 and the state after step 100, and it passes when it is at most
// `tolerance_ulps`. torch's CPU kernels (AVX2 and AVX-512, where the cases were made) fuse the
// multiply-adds of `add(x, alpha=a)` and `addcmul`; everything else is rounded operation by
// operation. Built with an FMA instruction set (-mfma, -march=native), ctgrad does the same,
// and the results are bitwise equal: tolerance 0 (measured: 0 in every case, g++ 12 and clang
// 14, -mavx2 -mfma, -march=native on AVX-512, CTGRAD_SCALAR with -mfma). Without FMA (the
// x86-64 baseline, the default build) ctgrad rounds those products once more, as torch's own
// kernels for such a CPU would: measured at most 3.7 ε·scale after 100 steps in float32 and
// 3.2 in float64; 16 keeps a 4× margin.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <ctgrad/optim/adam.hpp>
#include <ctgrad/optim/sgd.hpp>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "pytorch_parity_cases.hpp"
#include "training/random.hpp"

namespace parity::optimizers {

#if defined(__FMA__) || defined(__AVX512F__)
inline constexpr double tolerance_ulps = 0;  // bitwise: torch's fused multiply-adds, and ours
#else
inline constexpr double tolerance_ulps = 16;  // one more rounding per multiply-add than torch
#endif

/// The optimizers of the file, by `optimizer`.
enum class optimizer_kind { sgd, adam, adamw };
inline constexpr std::array<const char*, 3> optimizer_names{"sgd", "adam", "adamw"};

/// Values at the sample indices, per parameter (or per parameter's state buffer).
using sampled = std::vector<std::vector<double>>;

/// One case of optimizer_cases.json.
struct optimizer_case {
    std::string name;
    dtype type = dtype::float32;
    optimizer_kind optimizer = optimizer_kind::sgd;
    nlohmann::json options;               ///< torch's keyword arguments (absent ones: torch's defaults)
    std::vector<std::size_t> sizes;       ///< of each parameter
    std::uint64_t seed = 0;               ///< of the initial values and gradients
    std::vector<double> check_initial;    ///< the first 4 initial values of parameter 0
    std::vector<double> check_grad_step1; ///< the first 4 values of its first gradient
    std::vector<std::vector<std::size_t>> sample;  ///< per parameter, the indices stored

    // torch's results, optional in plain mode: parameters by checkpoint ("1", "10", "100") and
    // state buffers by name (momentum_buffer; exp_avg, exp_avg_sq, max_exp_avg_sq), at `sample`.
    std::optional<std::map<std::string, sampled>> params;
    std::optional<std::map<std::string, sampled>> state;
};

/// ctgrad's replay of a case, at the same checkpoints and sample indices as the file.
struct results {
    std::map<std::string, sampled> params;  ///< after steps 1, 10 and 100
    std::map<std::string, sampled> state;   ///< after step 100
    std::int64_t steps = 0;                 ///< the optimizer's count of steps
};

/// The number of steps and the checkpoints of every case (the file's "steps", "checkpoints").
inline constexpr int steps = 100;
inline constexpr std::array<int, 3> checkpoints{1, 10, 100};

/// The numbers of make_optimizer_cases.py: m · 2^(e − 23) from splitmix64, m = (r >> 40) − 2^23,
/// e = ((r >> 8) & 7) − 5; exact in float32 and float64.
struct case_numbers {
    training::splitmix64 rng;
    double next() {
        const std::uint64_t r = rng.next();
        const auto m = static_cast<std::int64_t>(r >> 40) - (std::int64_t(1) << 23);
        const int e = static_cast<int>((r >> 8) & 7) - 5;
        return std::ldexp(static_cast<double>(m), e - 23);
    }
    template <class T>
    void fill(std::vector<T>& v) {
        for (T& x : v)
            x = static_cast<T>(next());
    }
};

/// torch.optim.SGD's keyword arguments as ctgrad's options.
inline ctgrad::optim::sgd_options sgd_options_of(const nlohmann::json& o) {
    ctgrad::optim::sgd_options s{.lr = o.at("lr").get<double>()};
    s.momentum = o.value("momentum", 0.0);
    s.dampening = o.value("dampening", 0.0);
    s.weight_decay = o.value("weight_decay", 0.0);
    s.nesterov = o.value("nesterov", false);
    s.maximize = o.value("maximize", false);
    return s;
}

/// torch.optim.Adam's or AdamW's keyword arguments as ctgrad's options.
template <class Options>
Options adam_options_of(const nlohmann::json& o) {
    Options a;  // torch's defaults, where the case gives no value
    a.lr = o.value("lr", a.lr);
    if (o.contains("betas"))
        a.betas = {o.at("betas").at(0).get<double>(), o.at("betas").at(1).get<double>()};
    a.eps = o.value("eps", a.eps);
    a.weight_decay = o.value("weight_decay", a.weight_decay);
    a.amsgrad = o.value("amsgrad", false);
    a.maximize = o.value("maximize", false);
    return a;
}

/// Calls f(std::type_identity<Opt>{}, options, buffers) with the case's optimizer type in
/// precision T, its options, and the number of state buffers per parameter.
template <class T, class F>
decltype(auto) with_optimizer(const optimizer_case& c, F f) {
    namespace optim = ctgrad::optim;
    if (c.optimizer == optimizer_kind::sgd)
        return f(std::type_identity<optim::sgd<T>>{}, sgd_options_of(c.options), std::size_t{1});
    if (c.optimizer == optimizer_kind::adam)
        return f(std::type_identity<optim::adam<T>>{}, adam_options_of<optim::adam_options>(c.options), std::size_t{3});
    return f(std::type_identity<optim::adamw<T>>{}, adam_options_of<optim::adamw_options>(c.options), std::size_t{3});
}

/// The state buffer `name` of parameter i of an optimizer (empty for a name it does not have).
template <class Opt>
auto state_buffer(const Opt& opt, std::size_t i, const std::string& name) {
    const auto s = opt.state(i);
    if constexpr (requires { s.momentum_buffer; }) {
        return name == "momentum_buffer" ? s.momentum_buffer : decltype(s.momentum_buffer)();
    } else {
        return name == "exp_avg"          ? s.exp_avg
               : name == "exp_avg_sq"     ? s.exp_avg_sq
               : name == "max_exp_avg_sq" ? s.max_exp_avg_sq
                                          : decltype(s.exp_avg)();
    }
}

/// The names of an optimizer's state buffers, as torch's state dict has them (SGD has one
/// only with momentum).
inline std::vector<std::string> state_names(const optimizer_case& c) {
    if (c.optimizer == optimizer_kind::sgd)
        return c.options.value("momentum", 0.0) != 0 ? std::vector<std::string>{"momentum_buffer"}
                                                     : std::vector<std::string>{};
    std::vector<std::string> n{"exp_avg", "exp_avg_sq"};
    if (c.options.value("amsgrad", false))
        n.push_back("max_exp_avg_sq");
    return n;
}

/// Case `c`'s initial parameters in precision T, regenerated from its seed; `numbers` is then
/// ready to draw the gradients.
template <class T>
std::vector<std::vector<T>> initial_parameters(const optimizer_case& c, case_numbers& numbers) {
    std::vector<std::vector<T>> params(c.sizes.size());
    for (std::size_t i = 0; i < params.size(); ++i) {
        params[i].resize(c.sizes[i]);
        numbers.fill(params[i]);
    }
    return params;
}

/// The values of `v` at the sample indices of parameter i (none of a buffer too short for
/// them: the comparison then reports its size).
template <class V>
std::vector<double> at_sample(const optimizer_case& c, std::size_t i, const V& v) {
    std::vector<double> out;
    for (std::size_t index : c.sample[i])
        if (index < v.size())
            out.push_back(static_cast<double>(v[index]));
    return out;
}

/// An optimizer after its replay, and what was stored of it.
template <class Opt>
struct replayed {
    results r;
    Opt optimizer;
};

/// Replays case `c` in precision T with optimizer Opt: initial values and gradients regenerated
/// (the first ones checked against the file's "check": a mismatch throws input_error), `steps`
/// steps, the parameters at the checkpoints and the state at the end, at the sample indices.
/// `on_step(params, grads)` is called after each step (the unit test steps other optimizers in
/// lockstep with it).
template <class T, class Opt, class Options, class OnStep>
replayed<Opt> replay(const optimizer_case& c, const Options& options, OnStep on_step) {
    case_numbers numbers{training::splitmix64(c.seed)};
    std::vector<std::vector<T>> params = initial_parameters<T>(c, numbers), grads(c.sizes.size());
    for (std::size_t i = 0; i < grads.size(); ++i)
        grads[i].resize(c.sizes[i]);
    const auto first_four = [&](const std::vector<T>& v, const std::vector<double>& want, const char* what) {
        for (std::size_t j = 0; j < want.size() && j < v.size(); ++j)
            if (static_cast<double>(v[j]) != want[j])
                throw input_error(detail::cat("case '", c.name, "': the regenerated ", what, " differ from 'check' at ",
                                              std::to_string(j), " (wrong seed, or another generator)"));
    };
    if (!params.empty())
        first_four(params[0], c.check_initial, "initial values");
    replayed<Opt> out{{}, Opt(c.sizes, options)};
    const std::vector<std::span<T>> p(params.begin(), params.end());
    const std::vector<std::span<const T>> g(grads.begin(), grads.end());
    for (int step = 1; step <= steps; ++step) {
        for (auto& v : grads)
            numbers.fill(v);
        if (step == 1 && !grads.empty())
            first_four(grads[0], c.check_grad_step1, "first gradients");
        out.optimizer.step(p, g);
        on_step(std::as_const(params), std::as_const(grads));
        if (std::find(checkpoints.begin(), checkpoints.end(), step) != checkpoints.end()) {
            sampled& s = out.r.params[std::to_string(step)];
            for (std::size_t i = 0; i < params.size(); ++i)
                s.push_back(at_sample(c, i, params[i]));
        }
    }
    for (const std::string& name : state_names(c)) {
        sampled& s = out.r.state[name];
        for (std::size_t i = 0; i < params.size(); ++i)
            s.push_back(at_sample(c, i, state_buffer(out.optimizer, i, name)));
    }
    out.r.steps = out.optimizer.steps();
    return out;
}

/// Replays case `c` in its own dtype: its results.
inline results evaluate(const optimizer_case& c) {
    const auto run = [&]<class T>(T) {
        return with_optimizer<T>(c, [&]<class Opt>(std::type_identity<Opt>, const auto& options, std::size_t) {
            return replay<T, Opt>(c, options, [](const auto&, const auto&) {}).r;
        });
    };
    return c.type == dtype::float32 ? run(float{}) : run(double{});
}

// ---------------------------------------------------------------------------------------
// Comparison

/// The worst error of a case, in units of ε_T · max(|torch|, rms), and where it is.
/// (A type of this namespace, so that `passes` is found for it by argument-dependent lookup.)
struct case_error : worst_error {};

/// Compares ctgrad's values `a` of one parameter or buffer at the indices `sample` with torch's
/// `r` (see the top of the file), in precision T, adding to `worst` under the name `what`.
template <class T>
void compare_values(const std::vector<double>& a, const std::vector<double>& r, const std::vector<std::size_t>& sample,
                    const std::string& what, case_error& worst) {
    if (a.size() != r.size()) {
        worst.add(std::numeric_limits<double>::infinity(), what + " (size)");
        return;
    }
    double sum_squares = 0;
    for (double e : r)
        sum_squares += e * e;
    const double rms = std::sqrt(sum_squares / static_cast<double>(std::max<std::size_t>(r.size(), 1)));
    const double eps = std::numeric_limits<T>::epsilon();
    for (std::size_t j = 0; j < r.size(); ++j) {
        const double want = static_cast<T>(r[j]), got = a[j];
        const double scale = eps * std::max(std::abs(want), rms);
        const double error = std::abs(got - want);
        const double ratio = error == 0 ? 0 : scale > 0 ? error / scale : std::numeric_limits<double>::infinity();
        worst.add(std::isnan(got) ? std::numeric_limits<double>::infinity() : ratio,
                  detail::cat(what, "[", std::to_string(j < sample.size() ? sample[j] : j), "]"));
    }
}

/// Compares the results `a` of case `c` with torch's (both present): parameters at each
/// checkpoint, then the state; and the count of steps (a different count is an infinite error).
inline case_error compare(const optimizer_case& c, const results& a) {
    case_error worst{{0, "params"}};
    const auto run = [&]<class T>(T) {
        const auto fields = [&](const std::map<std::string, sampled>& ours, const std::map<std::string, sampled>& theirs,
                                const char* prefix) {
            for (const auto& [key, per_param] : theirs) {
                const auto it = ours.find(key);
                for (std::size_t i = 0; i < per_param.size(); ++i) {
                    const std::string what = detail::cat(prefix, key, " ", std::to_string(i));
                    if (it == ours.end() || i >= it->second.size())
                        worst.add(std::numeric_limits<double>::infinity(), what);
                    else
                        compare_values<T>(it->second[i], per_param[i], c.sample[i], what, worst);
                }
            }
        };
        fields(a.params, *c.params, "step ");  // "step 100 1[7]": parameter 1, element 7
        fields(a.state, *c.state, "");         // "exp_avg 1[7]"
    };
    c.type == dtype::float32 ? run(float{}) : run(double{});
    if (a.steps != steps)
        worst.add(std::numeric_limits<double>::infinity(), "steps");
    return worst;
}

/// Does it pass? (The error is at most tolerance_ulps.)
inline bool passes(const case_error& e) {
    return e.error <= tolerance_ulps;
}

/// What --check says of a case without torch's results; nullopt when it has them.
inline std::optional<std::string> missing_result(const optimizer_case& c) {
    if (c.params && c.state)
        return std::nullopt;
    return detail::cat("field '", !c.params ? "params" : "state", "': missing (--check needs params and state)");
}

// ---------------------------------------------------------------------------------------
// Reading

/// Reads a field of per-parameter arrays at the sample indices: {"KEY": [[...], ...], ...}.
inline std::map<std::string, sampled> read_sampled(const detail::case_reader& r, const char* field,
                                                   const optimizer_case& c) {
    const nlohmann::json& j = r.require(field);
    if (!j.is_object())
        r.fail(field, detail::cat("must be an object, found ", j.type_name()));
    std::map<std::string, sampled> out;
    for (const auto& [key, per_param] : j.items()) {
        if (!per_param.is_array() || per_param.size() != c.sizes.size())
            r.fail(field, detail::cat("'", key, "' must be an array of ", std::to_string(c.sizes.size()),
                                      " arrays, one per parameter"));
        sampled& s = out[key];
        for (std::size_t i = 0; i < per_param.size(); ++i) {
            const nlohmann::json& v = per_param[i];
            if (!v.is_array() || v.size() != c.sample[i].size() ||
                !std::all_of(v.begin(), v.end(), [](const nlohmann::json& e) { return e.is_number(); }))
                r.fail(field, detail::cat("'", key, "'[", std::to_string(i), "] must be ",
                                          std::to_string(c.sample[i].size()), " numbers, one per sample index"));
            s.push_back(v.get<std::vector<double>>());
        }
    }
    return out;
}

/// Reads case number `index` (0-based) of a file called `file` (for messages).
inline optimizer_case parse_case(const nlohmann::json& j, std::size_t index, const std::string& file = "") {
    optimizer_case c;
    const detail::case_reader r = detail::open_case(j, index, file, c.name);
    c.type = detail::dtype_of(r);
    c.optimizer = static_cast<optimizer_kind>(r.choice("optimizer", optimizer_names));
    c.options = r.require("options");
    try {  // the options as ctgrad reads them: a wrong type or a value ctgrad rejects is an input error
        c.type == dtype::float32 ? with_optimizer<float>(c, [&]<class Opt>(std::type_identity<Opt>, const auto& o,
                                                                           std::size_t) { Opt({1}, o); })
                                 : with_optimizer<double>(c, [&]<class Opt>(std::type_identity<Opt>, const auto& o,
                                                                            std::size_t) { Opt({1}, o); });
    } catch (const std::exception& e) {
        r.fail("options", e.what());
    }
    const nlohmann::json& sizes = r.require("sizes");
    if (!sizes.is_array() ||
        !std::all_of(sizes.begin(), sizes.end(), [](const nlohmann::json& e) { return e.is_number_unsigned(); }))
        r.fail("sizes", "must be an array of non-negative integers");
    for (const auto& e : sizes) {
        if (e.get<std::uint64_t>() >= (std::uint64_t{1} << 31))
            r.fail("sizes", "has a size too large");
        c.sizes.push_back(e.get<std::size_t>());
    }
    if (!r.require("seed").is_number_unsigned())
        r.fail("seed", "must be a non-negative integer");
    c.seed = r.require("seed").get<std::uint64_t>();
    const nlohmann::json& check = r.require("check");
    for (const char* key : {"initial", "grad_step1"}) {
        if (!check.is_object() || !check.contains(key) || !check.at(key).is_array() ||
            !std::all_of(check.at(key).begin(), check.at(key).end(), [](const nlohmann::json& e) { return e.is_number(); }))
            r.fail("check", detail::cat("needs '", key, "', an array of numbers"));
    }
    c.check_initial = check.at("initial").get<std::vector<double>>();
    c.check_grad_step1 = check.at("grad_step1").get<std::vector<double>>();
    const nlohmann::json& sample = r.require("sample");
    if (!sample.is_array() || sample.size() != c.sizes.size())
        r.fail("sample", detail::cat("must be an array of ", std::to_string(c.sizes.size()), " arrays, one per parameter"));
    for (std::size_t i = 0; i < sample.size(); ++i) {
        const nlohmann::json& s = sample[i];
        if (!s.is_array() || !std::all_of(s.begin(), s.end(), [&](const nlohmann::json& e) {
                return e.is_number_unsigned() && e.get<std::uint64_t>() < c.sizes[i];
            }))
            r.fail("sample", detail::cat("[", std::to_string(i), "] must hold indices below ", std::to_string(c.sizes[i])));
        c.sample.push_back(s.get<std::vector<std::size_t>>());
    }
    if (r.present("params"))
        c.params = read_sampled(r, "params", c);
    if (r.present("state"))
        c.state = read_sampled(r, "state", c);
    return c;
}

/// Reads the cases of a parsed file: {"cases": [...]}. (pytorch_parity tells a file of these
/// cases by a field "optimizer", which no other kind has.)
inline std::vector<optimizer_case> parse_cases(const nlohmann::json& j, const std::string& file = "") {
    return detail::parse_file(j, file, parse_case);
}

}  // namespace parity::optimizers
