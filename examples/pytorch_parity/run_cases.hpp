#pragma once
// The loops every kind of case shares (included by each kind's translation unit): plain mode
// prints each case's results as JSON, --check compares each with its reference and prints a
// verdict. A kind supplies, found by argument-dependent lookup in its namespace: `to_json(case,
// results)`, `compare(case, results, reference, floor)` (a value with `error` and `where`),
// `missing_result(case)` and `reference_of(case)`; and it passes its evaluator,
// `evaluate(case, precision)`, as an argument, so that its programs may live in other
// translation units. A kind with a rule of its own (elementwise, optimizer, training and
// printing cases) passes `check_verdicts` a judge of each case instead of `compare`.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tool.hpp"

namespace parity::tool {

/// The precision a case is computed in: --precision's, or the case's own dtype.
template <class Case>
dtype precision_of(const options& opt, const Case& c) {
    return opt.precision.value_or(c.type);
}

/// A number as the case files write it: NaN and the infinities as strings (JSON has none).
inline nlohmann::ordered_json encode(double v) {
    if (std::isnan(v))
        return "nan";
    if (std::isinf(v))
        return v > 0 ? "inf" : "-inf";
    return v;
}

/// An array of numbers as the case files write it.
inline nlohmann::ordered_json encode(const std::vector<double>& v) {
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    for (double e : v)
        a.push_back(encode(e));
    return a;
}

/// Plain mode: every case's results, as JSON, one case per line.
template <class Case, class Evaluate>
int print_results(const options& opt, const std::vector<Case>& cases, Evaluate evaluate) {
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

/// A case's verdict under its kind's rule: its error, where it is worst, whether it passes.
struct verdict {
    double error = 0;
    std::string where;
    bool pass = false;
    std::string computed;  ///< " as float64" when computed in a precision other than the case's dtype
};

/// --check: one line per case, judged by `judge(case)` (a verdict), then a summary. Every
/// reference field is required (`missing_result(case)`).
template <class Case, class Judge>
int check_verdicts(const options& opt, const std::vector<Case>& cases, Judge judge) {
    if (cases.empty())
        throw input_error(detail::cat(opt.path, ": no cases to check"));
    for (const auto& c : cases) {
        if (const std::optional<std::string> missing = missing_result(c))
            throw input_error(detail::cat(opt.path, ": case '", c.name, "', ", *missing));
    }
    std::size_t width = 4;
    for (const auto& c : cases)
        width = std::max(width, c.name.size());
    std::size_t passed = 0, failed = 0;
    for (const auto& c : cases) {
        const verdict v = judge(c);
        (v.pass ? passed : failed) += 1;
        std::printf("%-*s  %s%s  error %.2e at %-14s %s\n", static_cast<int>(width), c.name.c_str(), name_of(c.type),
                    v.computed.c_str(), v.error, v.where.c_str(), v.pass ? "PASS" : "FAIL");
    }
    std::printf("%zu passed, %zu failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

/// --check by the condition-scale rule (pytorch_parity_cases.hpp): each case evaluated in its
/// precision and compared with `compare(case, results, reference, floor)`.
template <class Case, class Evaluate>
int check(const options& opt, const std::vector<Case>& cases, Evaluate evaluate) {
    return check_verdicts(opt, cases, [&](const Case& c) {
        const dtype precision = precision_of(opt, c);
        const tolerance tol = tolerance_for(precision, c.type);
        const auto e = compare(c, evaluate(c, precision), reference_of(c), tol.floor);
        return verdict{e.error, e.where, passes(e, tol),
                       precision == c.type ? "" : std::string(" as ") + name_of(precision)};
    });
}

/// The kinds computed in each case's own dtype only (optimizer, training and printing cases):
/// --precision is an input error for them.
inline void reject_precision(const options& opt, const char* kind) {
    if (opt.precision)
        throw input_error(detail::cat(opt.path, ": --precision does not apply to ", kind,
                                      " cases (each is computed in its own dtype)"));
}

/// Plain mode or --check for a kind computed in each case's own dtype and judged by its own rule:
/// `evaluate(case)` gives the results, `compare(case, results)` (a value with `error` and
/// `where`) and `passes(that value)` the verdict, both found by argument-dependent lookup.
/// `kind` names the cases in messages.
template <class Case, class Evaluate>
int run_in_own_dtype(const options& opt, const char* kind, const std::vector<Case>& cases, Evaluate evaluate) {
    reject_precision(opt, kind);
    if (!opt.check)
        return print_results(opt, cases, [&](const Case& c, dtype) { return evaluate(c); });
    return check_verdicts(opt, cases, [&](const Case& c) {
        const auto e = compare(c, evaluate(c));
        return verdict{e.error, e.where, passes(e), ""};
    });
}

/// Plain mode or --check, by `opt`, on `cases` with `evaluate`.
template <class Case, class Evaluate>
int run(const options& opt, const std::vector<Case>& cases, Evaluate evaluate) {
    return opt.check ? check(opt, cases, evaluate) : print_results(opt, cases, evaluate);
}

}  // namespace parity::tool
