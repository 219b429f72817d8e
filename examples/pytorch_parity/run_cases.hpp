#pragma once
// The loops every kind of case shares (included by each kind's translation unit): plain mode
// prints each case's results as JSON, --check compares each with its reference and prints a
// verdict. A kind supplies, found by argument-dependent lookup in its namespace: `to_json(case,
// results)`, `compare(case, results, reference, floor)` (a value with `error` and `where`),
// `missing_result(case)` and `reference_of(case)`; and it passes its evaluator,
// `evaluate(case, precision)`, as an argument, so that its programs may live in other
// translation units.

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

/// --check: one line per case, then a summary. Every reference field is required.
template <class Case, class Evaluate>
int check(const options& opt, const std::vector<Case>& cases, Evaluate evaluate) {
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
        const dtype precision = precision_of(opt, c);
        const tolerance tol = tolerance_for(precision, c.type);
        const auto e = compare(c, evaluate(c, precision), reference_of(c), tol.floor);
        const bool pass = passes(e, tol);
        (pass ? passed : failed) += 1;
        const std::string computed = precision == c.type ? "" : std::string(" as ") + name_of(precision);
        std::printf("%-*s  %s%s  error %.2e at %-14s %s\n", static_cast<int>(width), c.name.c_str(),
                    name_of(c.type), computed.c_str(), e.error, e.where.c_str(), pass ? "PASS" : "FAIL");
    }
    std::printf("%zu passed, %zu failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

/// Plain mode or --check, by `opt`, on `cases` with `evaluate`.
template <class Case, class Evaluate>
int run(const options& opt, const std::vector<Case>& cases, Evaluate evaluate) {
    return opt.check ? check(opt, cases, evaluate) : print_results(opt, cases, evaluate);
}

}  // namespace parity::tool
