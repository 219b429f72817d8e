#pragma once
// Reading PyTorch-generated case files (tests/data/*.json written by tests/tools/make_*.py):
// numbers that may be "nan", "inf" or "-inf" strings, arrays of them, and the loop over a
// file's cases, one Catch2 section each, dispatched on the case's dtype.

#include <catch2/catch.hpp>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace pytorch_cases {

/// A number of a case file: a JSON number, or one of the strings "nan", "inf", "-inf".
inline double decode(const nlohmann::json& v) {
    if (v.is_string()) {
        const auto s = v.get<std::string>();
        if (s == "nan")
            return std::numeric_limits<double>::quiet_NaN();
        return s == "inf" ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
    }
    return v.get<double>();
}

/// An array of a case file, decoded and converted to T.
template <class T>
std::vector<T> array(const nlohmann::json& a) {
    std::vector<T> out;
    for (const auto& v : a)
        out.push_back(static_cast<T>(decode(v)));
    return out;
}

/// Runs `run(T{}, case)` for each of the `count` cases of tests/data/`file`, in a section named
/// after the case and its dtype, with T = float for "float32" and double otherwise.
template <class Run>
void for_each_case(const std::string& file, std::size_t count, Run run) {
    std::ifstream in(std::string(CTGRAD_TEST_DATA_DIR) + "/" + file);
    REQUIRE(in.good());
    const auto cases = nlohmann::json::parse(in)["cases"];
    REQUIRE(cases.size() == count);
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c["name"].get<std::string>() << " " << c["dtype"].get<std::string>()) {
            if (c["dtype"] == "float32")
                run(float{}, c);
            else
                run(double{}, c);
        }
    }
}

}  // namespace pytorch_cases
