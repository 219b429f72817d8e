// NaN and ±infinity in the inputs propagate as in PyTorch: every NaN and infinity PyTorch
// produces (tests/data/nonfinite_cases.json, from tests/tools/make_nonfinite_cases.py) is
// produced by ctgrad at the same place, and the finite values agree.

#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pytorch_cases.hpp"
#include "test_support.hpp"

namespace {
using pytorch_cases::array;
using pytorch_cases::decode;

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
    pytorch_cases::for_each_case("nonfinite_cases.json", 10,
                                 [](auto type, const nlohmann::json& c) { run_case<decltype(type)>(c); });
}
