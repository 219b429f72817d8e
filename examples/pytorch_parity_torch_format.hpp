#pragma once
// PyTorch 1.13's printed tensors (tests/data/torch_format_cases.json, made by
// tests/tools/make_format_cases.py): reading a case, printing its values with
// ctgrad::io::format_tensor (examples/support/torch_format.hpp), comparing with PyTorch's string.
// Shared by examples/pytorch_parity (the tool, pytorch_parity/torch_format.cpp) and
// tests/unit/test_torch_format.cpp.
//
// Comparison: the strings must be equal, character for character (a printed tensor has no
// rounding to tolerate: PyTorch rounds each value to the decimals it shows, and so does
// format_tensor, half to even from the exact value). The error of a case is 0 when they are
// equal, else 1, reported at the first character that differs.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "pytorch_parity_cases.hpp"
#include "support/torch_format.hpp"

namespace parity::torch_format {

/// One case of torch_format_cases.json: the values, their shape, the printing options, and
/// PyTorch's string when present.
struct format_case {
    std::string name;
    dtype type = dtype::float32;
    std::vector<std::size_t> shape;    ///< empty: a scalar (0-d tensor)
    std::vector<double> values;        ///< exact in the case's dtype
    ctgrad::io::format_options options;
    std::optional<std::string> expected;  ///< what PyTorch printed
};

/// What the tool computes for a case: the printed string.
struct results {
    std::string printed;
};

/// Prints case `c` as format_tensor does in the case's own dtype (float32 values are stored exactly).
inline results evaluate(const format_case& c) {
    const auto print = [&]<class T>(T) {
        const std::vector<T> v = detail::as<T>(c.values);
        return ctgrad::io::format_tensor(v, std::span<const std::size_t>(c.shape), c.options);
    };
    return {c.type == dtype::float32 ? print(float{}) : print(double{})};
}

/// How far a printed string is from PyTorch's: 0 when equal, else 1 at the first differing character.
struct case_error {
    double error = 0;
    std::string where = "string";
};

/// Compares the printed string `a` of case `c` with PyTorch's (present).
inline case_error compare(const format_case& c, const results& a) {
    const std::string& r = *c.expected;
    if (a.printed == r)
        return {};
    const auto diff = std::mismatch(a.printed.begin(), a.printed.end(), r.begin(), r.end());
    return {1, detail::cat("char ", std::to_string(diff.first - a.printed.begin()))};
}

/// Does it pass? (The strings are equal.)
inline bool passes(const case_error& e) {
    return e.error == 0;
}

// ---------------------------------------------------------------------------------------
// Reading

/// Reads the printing options of a case: "options" (torch.set_printoptions's precision,
/// linewidth, threshold, edgeitems, sci_mode, each optional) and "suffixes".
inline ctgrad::io::format_options options_of(const detail::case_reader& r) {
    ctgrad::io::format_options o;
    const nlohmann::json& opts = r.require("options");
    if (!opts.is_object())
        r.fail("options", detail::cat("must be an object, found ", opts.type_name()));
    const auto count = [&](const char* key, std::size_t& out) {
        if (!opts.contains(key))
            return;
        if (!opts.at(key).is_number_unsigned())
            r.fail("options", detail::cat("'", key, "' must be a non-negative integer"));
        out = opts.at(key).get<std::size_t>();
    };
    if (opts.contains("precision")) {
        if (!opts.at("precision").is_number_unsigned() || opts.at("precision").get<std::size_t>() > 30)
            r.fail("options", "'precision' must be an integer from 0 to 30");
        o.precision = opts.at("precision").get<int>();
    }
    count("linewidth", o.linewidth);
    count("threshold", o.threshold);
    count("edgeitems", o.edgeitems);
    if (opts.contains("sci_mode")) {
        if (!opts.at("sci_mode").is_boolean())
            r.fail("options", "'sci_mode' must be true or false");
        o.sci_mode = opts.at("sci_mode").get<bool>();
    }
    const nlohmann::json& s = r.require("suffixes");
    if (!s.is_array() || !std::all_of(s.begin(), s.end(), [](const nlohmann::json& e) { return e.is_string(); }))
        r.fail("suffixes", "must be an array of strings");
    o.suffixes = s.get<std::vector<std::string>>();
    return o;
}

/// Reads case number `index` (0-based) of a file called `file` (for messages).
inline format_case parse_case(const nlohmann::json& j, std::size_t index, const std::string& file = "") {
    format_case c;
    const detail::case_reader r = detail::open_case(j, index, file, c.name);
    c.type = detail::dtype_of(r);
    const nlohmann::json& shape = r.require("shape");
    if (!shape.is_array() ||
        !std::all_of(shape.begin(), shape.end(), [](const nlohmann::json& e) { return e.is_number_unsigned(); }))
        r.fail("shape", "must be an array of non-negative integers");
    std::size_t n = 1;
    for (const auto& e : shape) {
        if (e.get<std::uint64_t>() >= (std::uint64_t{1} << 31))
            r.fail("shape", "has an extent too large");
        c.shape.push_back(e.get<std::size_t>());
        n = detail::product(n, c.shape.back());
        if (n >= (std::size_t{1} << 31))
            r.fail("shape", "has too many elements");
    }
    c.values = r.numbers("values", n, c.type, "the product of shape");
    c.options = options_of(r);
    if (r.present("expected"))
        c.expected = r.string("expected");
    return c;
}

/// Reads the cases of a parsed file: {"cases": [...]}. (pytorch_parity tells a file of these
/// cases by a field "expected", which no other kind has.)
inline std::vector<format_case> parse_cases(const nlohmann::json& j, const std::string& file = "") {
    return detail::parse_file(j, file, parse_case);
}

}  // namespace parity::torch_format
