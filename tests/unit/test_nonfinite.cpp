// NaN and ±infinity in the inputs propagate as in PyTorch: every NaN and infinity PyTorch
// produces (tests/data/nonfinite_cases.json, from tests/tools/make_nonfinite_cases.py) is
// produced by ctgrad at the same place, and the finite values agree.

#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace {
double decode(const nlohmann::json& v) {
    if (v.is_string()) {
        const auto s = v.get<std::string>();
        if (s == "nan")
            return std::numeric_limits<double>::quiet_NaN();
        return s == "inf" ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
    }
    return v.get<double>();
}

template <class T>
std::vector<T> array(const nlohmann::json& a) {
    std::vector<T> out;
    for (const auto& v : a)
        out.push_back(static_cast<T>(decode(v)));
    return out;
}

// Same class (NaN, +inf, -inf, finite) everywhere, finite values close to the reference.
template <class A>
void check_same(const char* what, const A& got, const std::vector<double>& want, double tolerance) {
    INFO(what);
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        INFO("element " << i << ": ctgrad " << got[i] << ", PyTorch " << want[i]);
        if (std::isnan(want[i])) {
            CHECK(std::isnan(got[i]));
        } else if (std::isinf(want[i])) {
            CHECK(double(got[i]) == want[i]);
        } else {
            CHECK(std::isfinite(got[i]));
            CHECK(std::abs(double(got[i]) - want[i]) <= tolerance * std::max(1.0, std::abs(want[i])));
        }
    }
}

template <class T>
void run_case(const nlohmann::json& c) {
    using namespace test_support::model;
    const std::size_t B = c["B"], N = c["N"], K = c["K"];
    auto xs = array<T>(c["x"]), ws = array<T>(c["w"]), bs = array<T>(c["b"]), ts = array<T>(c["t"]);
    std::vector<T> dw(K * N), db(K), dx(B * N);
    auto [loss, gw, gb, gx] = ctgrad::value_and_grad(mse, ctgrad::wrt(w, b, x))(
        ctgrad::bind(x, xs.data(), {B, N}), ctgrad::bind(w, ws.data(), {K, N}), ctgrad::bind(b, bs),
        ctgrad::bind(t, ts.data(), {B, K}), dw, db, dx);
    const double tolerance = std::is_same_v<T, float> ? 1e-5 : 1e-12;
    check_same("loss", std::vector<T>{loss}, {decode(c["loss_value"])}, tolerance);
    check_same("grad_w", gw, array<double>(c["grad_w"]), tolerance);
    check_same("grad_b", gb, array<double>(c["grad_b"]), tolerance);
    check_same("grad_x", gx, array<double>(c["grad_x"]), tolerance);
}
}  // namespace

TEST_CASE("NaN and infinities propagate as in PyTorch", "[numerics][pytorch]") {
    std::ifstream in(std::string(CTGRAD_TEST_DATA_DIR) + "/nonfinite_cases.json");
    REQUIRE(in.good());
    const auto cases = nlohmann::json::parse(in)["cases"];
    REQUIRE(cases.size() == 10);
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c["name"].get<std::string>() << " " << c["dtype"].get<std::string>()) {
            if (c["dtype"] == "float32")
                run_case<float>(c);
            else
                run_case<double>(c);
        }
    }
}
