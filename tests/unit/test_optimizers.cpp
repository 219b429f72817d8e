// ctgrad::optim (SGD, Adam, AdamW) against torch.optim, step for step: tests/data/optimizer_cases.json
// (tests/tools/make_optimizer_cases.py, torch 1.13, single-tensor implementations) holds 44
// cases — 11 configurations, one parameter of 33 elements or three of 7, 7830 and 10, float32
// and float64 — with the parameters after steps 1, 10 and 100 and the state after step 100.
// The initial values and the 100 gradients are regenerated here from the case's seed, exactly.
//
// Tolerance: |ctgrad − torch| ≤ k · ε_T · max(|torch|, rms), with rms the root mean square of
// the parameter (or state buffer) at that checkpoint (values that pass near zero keep the
// absolute error of the larger ones). torch's CPU kernels (AVX2 and AVX-512, where the cases
// were made) fuse the multiply-adds of `add(x, alpha=a)` and `addcmul`; everything else is
// rounded operation by operation. Built with an FMA instruction set (-mfma, -march=native),
// ctgrad does the same, and the results are bitwise equal: k = 0 (measured: 0 in every case,
// g++ 12 and clang 14, -mavx2 -mfma, -march=native on AVX-512, CTGRAD_SCALAR with -mfma).
// Without FMA (the x86-64 baseline, the default build) ctgrad rounds those products once more,
// as torch's own kernels for such a CPU would: measured at most 3.7 ε·scale after 100 steps in
// float32 and 3.2 in float64; k = 16 keeps a 4× margin. Measured sensitivity (mutations of
// the headers): dampening applied to SGD's first momentum step gives 1e6 ε in float32; Adam's
// update as p + s·(m/denom) instead of torch's p + (s·m)/denom, 0.07 to 0.5 ε: a reordering of
// that kind is seen only by the bitwise check of an FMA build.
// `ctgrad_tests "[optim_report]"` prints the worst error of each case.
//
// Also: user-owned state gives the optimizer-owned results bit for bit, so do one-buffer
// optimizers; sizes, counts and null data are errors naming the buffer, and nothing is
// written; zero-length buffers; invalid options; copies own their state.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <ctgrad/optim/adam.hpp>
#include <ctgrad/optim/sgd.hpp>
#include <fstream>
#include <limits>
#include <cstdio>
#include <stdexcept>
#include <type_traits>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "random.hpp"

namespace {

using nlohmann::json;
namespace optim = ctgrad::optim;

#if defined(__FMA__) || defined(__AVX512F__)
constexpr double tolerance_ulps = 0;  // bitwise
#else
constexpr double tolerance_ulps = 16;
#endif

const json& cases() {
    static const json doc = [] {
        std::ifstream in(std::string(CTGRAD_TEST_DATA_DIR) + "/optimizer_cases.json");
        REQUIRE(in.good());
        return json::parse(in);
    }();
    return doc;
}

/// The generator of make_optimizer_cases.py: m · 2^(e − 23) from splitmix64.
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

optim::sgd_options sgd_options_of(const json& o) {
    optim::sgd_options s{.lr = o.at("lr").get<double>()};
    s.momentum = o.value("momentum", 0.0);
    s.dampening = o.value("dampening", 0.0);
    s.weight_decay = o.value("weight_decay", 0.0);
    s.nesterov = o.value("nesterov", false);
    s.maximize = o.value("maximize", false);
    return s;
}

template <class Options>
Options adam_options_of(const json& o) {
    Options a;  // torch's defaults, where the case gives no value
    a.lr = o.value("lr", a.lr);
    if (o.contains("betas"))
        a.betas = {o["betas"][0].get<double>(), o["betas"][1].get<double>()};
    a.eps = o.value("eps", a.eps);
    a.weight_decay = o.value("weight_decay", a.weight_decay);
    a.amsgrad = o.value("amsgrad", false);
    a.maximize = o.value("maximize", false);
    return a;
}

/// The largest error of a comparison, in units of ε_T · max(|expected|, rms).
struct worst_error {
    double ratio = 0;
    std::string where;
    void add(double ratio_, const std::string& w) {
        if (ratio_ > ratio) {
            ratio = ratio_;
            where = w;
        }
    }
};

template <class T>
void compare(std::span<const T> actual, const json& expected, const json& sample, const std::string& what,
             worst_error& worst) {
    REQUIRE(expected.size() == sample.size());
    double sum_squares = 0;
    for (const auto& e : expected)
        sum_squares += e.get<double>() * e.get<double>();
    const double rms = std::sqrt(sum_squares / static_cast<double>(std::max<std::size_t>(expected.size(), 1)));
    const double eps = std::numeric_limits<T>::epsilon();
    for (std::size_t j = 0; j < sample.size(); ++j) {
        const auto index = sample[j].get<std::size_t>();
        const T want = static_cast<T>(expected[j].get<double>());
        const T got = actual[index];
        const double scale = eps * std::max(std::abs(static_cast<double>(want)), rms);
        const double error = std::abs(static_cast<double>(got) - static_cast<double>(want));
        const double ratio = error == 0 ? 0 : (scale > 0 ? error / scale : std::numeric_limits<double>::infinity());
        worst.add(std::isnan(ratio) || std::isnan(static_cast<double>(got)) ? std::numeric_limits<double>::infinity()
                                                                               : ratio,
                  what + "[" + std::to_string(index) + "] = " + std::to_string(static_cast<double>(got)) + ", torch " +
                      std::to_string(static_cast<double>(want)));
    }
}

/// Spans of a list of vectors.
template <class T>
std::vector<std::span<T>> spans(std::vector<std::vector<T>>& v) {
    return {v.begin(), v.end()};
}
template <class T>
std::vector<std::span<const T>> const_spans(const std::vector<std::vector<T>>& v) {
    return {v.begin(), v.end()};
}

template <class T>
std::vector<optim::sgd_state<T>> sgd_states(std::vector<std::vector<T>>& buffers) {
    std::vector<optim::sgd_state<T>> s;
    for (auto& b : buffers)
        s.push_back({b});
    return s;
}
template <class T>
std::vector<optim::adam_state<T>> adam_states(std::vector<std::vector<T>>& buffers) {
    std::vector<optim::adam_state<T>> s;
    for (std::size_t i = 0; i + 2 < buffers.size(); i += 3)
        s.push_back({buffers[i], buffers[i + 1], buffers[i + 2]});
    return s;
}

/// Runs a case with optimizer type Opt (options `options`), checks it against torch, and
/// returns the worst error.
template <class T, class Opt, class Options>
worst_error run_case(const json& c, const Options& options, std::size_t state_buffers) {
    const auto sizes = c.at("sizes").get<std::vector<std::size_t>>();
    const std::size_t P = sizes.size();
    case_numbers numbers{training::splitmix64(c.at("seed").get<std::uint64_t>())};
    std::vector<std::vector<T>> params(P), grads(P);
    for (std::size_t i = 0; i < P; ++i) {
        params[i].resize(sizes[i]);
        grads[i].resize(sizes[i]);
        numbers.fill(params[i]);
    }
    for (std::size_t j = 0; j < 4; ++j)
        REQUIRE(static_cast<double>(params[0][j]) == c["check"]["initial"][j].get<double>());

    // The user's state: state_buffers buffers per parameter, zeroed.
    std::vector<std::vector<T>> user_state;
    for (std::size_t i = 0; i < P; ++i)
        for (std::size_t k = 0; k < state_buffers; ++k)
            user_state.emplace_back(sizes[i], T(0));
    Opt owned_opt(sizes, options);
    Opt user_opt = [&] {
        if constexpr (std::is_same_v<Options, optim::sgd_options>) {
            const auto s = sgd_states(user_state);
            return Opt(std::span<const optim::sgd_state<T>>(s), options);
        } else {
            const auto s = adam_states(user_state);
            return Opt(std::span<const optim::adam_state<T>>(s), options);
        }
    }();
    std::vector<Opt> single_opts;
    for (std::size_t i = 0; i < P; ++i)
        single_opts.emplace_back(std::initializer_list<std::size_t>{sizes[i]}, options);
    auto user_params = params, single_params = params;

    worst_error worst;
    const json& sample = c.at("sample");
    for (int step = 1; step <= 100; ++step) {
        for (auto& g : grads)
            numbers.fill(g);
        if (step == 1)
            for (std::size_t j = 0; j < 4; ++j)
                REQUIRE(static_cast<double>(grads[0][j]) == c["check"]["grad_step1"][j].get<double>());
        owned_opt.step(spans(params), const_spans(grads));
        user_opt.step(spans(user_params), const_spans(grads));
        for (std::size_t i = 0; i < P; ++i)
            single_opts[i].step(std::span<T>(single_params[i]), std::span<const T>(grads[i]));
        // Where the state lives changes nothing: bit for bit.
        for (std::size_t i = 0; i < P; ++i) {
            REQUIRE(user_params[i] == params[i]);
            REQUIRE(single_params[i] == params[i]);
        }
        const std::string key = std::to_string(step);
        if (c["params"].contains(key))
            for (std::size_t i = 0; i < P; ++i)
                compare<T>(params[i], c["params"][key][i], sample[i],
                           "step " + key + " param " + std::to_string(i), worst);
    }
    CHECK(owned_opt.steps() == 100);
    for (const auto& [name, per_param] : c.at("state").items()) {
        for (std::size_t i = 0; i < P; ++i) {
            std::span<T> buffer;
            if constexpr (std::is_same_v<Options, optim::sgd_options>) {
                REQUIRE(name == "momentum_buffer");
                buffer = owned_opt.state(i).momentum_buffer;
            } else {
                const auto s = owned_opt.state(i);
                buffer = name == "exp_avg" ? s.exp_avg : name == "exp_avg_sq" ? s.exp_avg_sq : s.max_exp_avg_sq;
                REQUIRE((name == "exp_avg" || name == "exp_avg_sq" || name == "max_exp_avg_sq"));
            }
            REQUIRE(buffer.size() == sizes[i]);
            compare<T>(buffer, per_param[i], sample[i], "state " + name + " " + std::to_string(i), worst);
            // The user's buffers hold the same state.
            const std::size_t k = name == "exp_avg_sq" ? 1 : name == "max_exp_avg_sq" ? 2 : 0;
            CHECK(std::equal(buffer.begin(), buffer.end(), user_state[i * state_buffers + k].begin()));
        }
    }
    return worst;
}

template <class T>
worst_error run_case(const json& c) {
    const std::string kind = c.at("optimizer");
    const json& o = c.at("options");
    if (kind == "sgd")
        return run_case<T, optim::sgd<T>>(c, sgd_options_of(o), 1);
    if (kind == "adam")
        return run_case<T, optim::adam<T>>(c, adam_options_of<optim::adam_options>(o), 3);
    REQUIRE(kind == "adamw");
    return run_case<T, optim::adamw<T>>(c, adam_options_of<optim::adamw_options>(o), 3);
}

worst_error run_case(const json& c) {
    return c.at("dtype") == "float32" ? run_case<float>(c) : run_case<double>(c);
}

}  // namespace

TEST_CASE("SGD, Adam and AdamW match torch.optim step for step over 100 steps", "[optim][pytorch]") {
    const json& doc = cases();
    REQUIRE(doc.at("cases").size() == 44);
    for (const json& c : doc.at("cases")) {
        const worst_error worst = run_case(c);
        INFO(c.at("name").get<std::string>() << ": worst " << worst.ratio << " ε·scale at " << worst.where);
        CHECK(worst.ratio <= tolerance_ulps);
    }
}

TEST_CASE("the worst error of each optimizer case", "[.][optim_report]") {
    for (const json& c : cases().at("cases")) {
        const worst_error worst = run_case(c);
        std::printf("%-40s %8.3g  %s\n", c.at("name").get<std::string>().c_str(), worst.ratio, worst.where.c_str());
    }
}

TEST_CASE("optimizer defaults are torch.optim's", "[optim]") {
    const optim::adam_options a;
    CHECK(a.lr == 1e-3);
    CHECK(a.betas[0] == 0.9);
    CHECK(a.betas[1] == 0.999);
    CHECK(a.eps == 1e-8);
    CHECK(a.weight_decay == 0);
    CHECK(!a.amsgrad);
    CHECK(!a.maximize);
    const optim::adamw_options w;
    CHECK(w.lr == 1e-3);
    CHECK(w.weight_decay == 1e-2);
    CHECK(w.eps == 1e-8);
    const optim::sgd_options s{.lr = 0.1};
    CHECK(s.momentum == 0);
    CHECK(s.dampening == 0);
    CHECK(s.weight_decay == 0);
    CHECK(!s.nesterov);
    CHECK(!s.maximize);
}

TEST_CASE("invalid optimizer options are rejected as torch rejects them", "[optim][errors]") {
    CHECK_THROWS_WITH((optim::sgd<float>({3}, {})), Catch::Contains("lr is required"));
    CHECK_THROWS_AS((optim::sgd<float>({3}, {.lr = -1})), std::invalid_argument);
    CHECK_THROWS_WITH((optim::sgd<float>({3}, {.lr = 0.1, .nesterov = true})), Catch::Contains("Nesterov"));
    CHECK_THROWS_WITH((optim::sgd<float>({3}, {.lr = 0.1, .momentum = 0.9, .dampening = 0.1, .nesterov = true})),
                      Catch::Contains("Nesterov"));
    CHECK_THROWS_WITH((optim::adam<float>({3}, {.betas = {0.9, 1.0}})), Catch::Contains("index 1"));
    CHECK_THROWS_WITH((optim::adam<float>({3}, {.betas = {-0.1, 0.9}})), Catch::Contains("index 0"));
    CHECK_THROWS_AS((optim::adamw<double>({3}, {.eps = -1})), std::invalid_argument);
    CHECK_THROWS_AS((optim::adamw<double>({3}, {.weight_decay = -1})), std::invalid_argument);
    CHECK_THROWS_AS((optim::adam<double>({3}, {.lr = std::nan("")})), std::invalid_argument);
    optim::adam<float> ok({3}, {});
    CHECK_THROWS_AS(ok.set_steps(-1), std::invalid_argument);
}

TEST_CASE("wrong buffers are errors naming the buffer, and nothing is written", "[optim][errors]") {
    std::vector<float> w(7, 1.0f), b(3, 2.0f), dw(7, 0.5f), db(3, 0.5f), short_db(2, 0.5f);
    const auto w0 = w, b0 = b;
    optim::adam<float> opt({7, 3}, {});
    auto message_of = [](auto&& f) -> std::string {
        try {
            f();
        } catch (const ctgrad::evaluation_error& e) {
            return e.what();
        }
        return "no error";
    };
    // A gradient of the wrong size, after a good first pair: w must not be updated either.
    auto m = message_of([&] { opt.step({w, b}, {dw, short_db}); });
    CHECK(m == "ctgrad: data bound to 'grads[1]' has 2 elements, its shape needs 3");
    m = message_of([&] { opt.step({b, w}, {db, dw}); });
    CHECK(m == "ctgrad: data bound to 'params[0]' has 3 elements, its shape needs 7");
    m = message_of([&] { opt.step({w}, {dw}); });
    CHECK(m == "ctgrad: data bound to 'params (the number of buffers)' has 1 elements, its shape needs 2");
    m = message_of([&] { opt.step({w, b}, {dw}); });
    CHECK(m == "ctgrad: data bound to 'grads (the number of buffers)' has 1 elements, its shape needs 2");
    m = message_of([&] { opt.step({w, b}, {dw, std::span<const float>(static_cast<const float*>(nullptr), 3)}); });
    CHECK(m == "ctgrad: null data bound to 'grads[1]' with 3 elements");
    m = message_of([&] { opt.step(w, dw); });  // the one-buffer form on a two-buffer optimizer
    CHECK(m == "ctgrad: data bound to 'params (the number of buffers)' has 1 elements, its shape needs 2");
    CHECK(w == w0);
    CHECK(b == b0);
    CHECK(opt.steps() == 0);  // a failed step is not counted
    try {
        opt.step({w, b}, {dw, short_db});
        FAIL("no error");
    } catch (const ctgrad::evaluation_error& e) {
        CHECK(e.details().code == ctgrad::errc::size_mismatch);
        CHECK(e.details().variable == "grads[1]");
        CHECK(e.details().expected == 3);
        CHECK(e.details().actual == 2);
    }

    // The user's state buffers are checked when the optimizer is made.
    std::vector<double> m1(5), v1(4), vmax(5);
    m = message_of([&] { optim::adam<double> a({optim::adam_state<double>{m1, v1, {}}}, {}); });
    CHECK(m == "ctgrad: data bound to 'exp_avg_sq[0]' has 4 elements, its shape needs 5");
    std::vector<double> v2(5);
    m = message_of([&] { optim::adam<double> a({optim::adam_state<double>{m1, v2, {}}}, {.amsgrad = true}); });
    CHECK(m == "ctgrad: data bound to 'max_exp_avg_sq[0]' has 0 elements, its shape needs 5");
    optim::adam<double> fine({optim::adam_state<double>{m1, v2, {}}}, {});  // no max_exp_avg_sq without amsgrad
    CHECK(fine.sizes()[0] == 5);
    // A large index is named too.
    std::vector<std::size_t> many(70, 1);
    optim::sgd<float> wide(many, {.lr = 0.1});
    std::vector<std::vector<float>> ps(70, std::vector<float>(1)), gs(70, std::vector<float>(1));
    gs[69].resize(2);
    m = message_of([&] { wide.step(spans(ps), const_spans(gs)); });
    CHECK(m == "ctgrad: data bound to 'grads[64+]' has 2 elements, its shape needs 1");
    gs[69].resize(1);
    gs[12].clear();
    m = message_of([&] { wide.step(spans(ps), const_spans(gs)); });
    CHECK(m == "ctgrad: data bound to 'grads[12]' has 0 elements, its shape needs 1");
}

TEST_CASE("zero-length buffers and empty parameter lists", "[optim]") {
    std::vector<float> empty, w = {1, 2, 3, 4, 5}, dw = {1, 1, 1, 1, 1};
    optim::adam<float> opt({0, 5, 0}, {});
    opt.step({empty, w, empty}, {empty, dw, empty});
    opt.step({std::span<float>(), w, std::span<float>()}, {std::span<const float>(), dw, std::span<const float>()});
    CHECK(opt.steps() == 2);
    CHECK(opt.state(0).exp_avg.empty());
    CHECK(opt.state(1).exp_avg.size() == 5);
    // Adam's first steps move every parameter by about lr against the gradient's sign.
    CHECK(w[0] == Approx(1 - 2e-3).epsilon(1e-4));
    optim::sgd<double> none(std::span<const std::size_t>(), {.lr = 0.1, .momentum = 0.9});
    none.step(std::span<const std::span<double>>(), std::span<const std::span<const double>>());
    CHECK(none.steps() == 1);
    optim::sgd<double> zero({0}, {.lr = 0.1, .momentum = 0.9});
    std::vector<double> e;
    zero.step(e, e);
    CHECK(zero.state(0).momentum_buffer.empty());
}

TEST_CASE("SGD's first step copies the gradient into the momentum buffer, and resumes", "[optim]") {
    // torch: buf = clone(d_p) at the first step (no dampening), then μ·buf + (1 − τ)·d_p.
    std::vector<double> p = {1.0}, g = {2.0}, buf = {123.0};
    optim::sgd<double> opt({optim::sgd_state<double>{buf}}, {.lr = 0.5, .momentum = 0.9, .dampening = 0.5});
    opt.step(p, g);
    CHECK(buf[0] == 2.0);
    CHECK(p[0] == 0.0);
    opt.step(p, g);
    CHECK(buf[0] == 0.9 * 2.0 + 0.5 * 2.0);
    CHECK(p[0] == Approx(-0.5 * 2.8));
    // A new optimizer on the same buffer, told two steps were taken, continues from it.
    optim::sgd<double> resumed({optim::sgd_state<double>{buf}}, {.lr = 0.5, .momentum = 0.9, .dampening = 0.5});
    resumed.set_steps(2);
    opt.step(p, g);
    const double after = buf[0];
    buf[0] = 2.8;
    std::vector<double> q = {0.0};
    resumed.step(q, g);
    CHECK(buf[0] == after);
}

TEST_CASE("a copy of an optimizer owns a copy of its state", "[optim]") {
    std::vector<float> p(37, 1.0f), g(37);
    for (std::size_t i = 0; i < g.size(); ++i)
        g[i] = 0.01f * static_cast<float>(i) - 0.1f;
    optim::adamw<float> a({37}, {.amsgrad = true});
    for (int i = 0; i < 3; ++i)
        a.step(p, g);
    optim::adamw<float> b = a;
    CHECK(b.state(0).exp_avg.data() != a.state(0).exp_avg.data());
    CHECK(b.steps() == 3);
    auto q = p;
    a.step(p, g);
    b.step(q, g);
    CHECK(p == q);
    CHECK(std::equal(a.state(0).max_exp_avg_sq.begin(), a.state(0).max_exp_avg_sq.end(),
                     b.state(0).max_exp_avg_sq.begin()));
    optim::adamw<float> c({1}, {});
    c = b;
    c.step(q, g);
    b.step(p, g);
    CHECK(p == q);
}

TEST_CASE("torch.maximum's NaN in amsgrad, and maximize", "[optim]") {
    std::vector<float> p(19, 0.0f), g(19, 1.0f), q(19, 0.0f), ng(19, -1.0f);
    optim::adam<float> a({19}, {.amsgrad = true, .maximize = true});
    optim::adam<float> b({19}, {.amsgrad = true});
    a.step(p, g);
    b.step(q, ng);
    CHECK(p == q);  // maximizing with g is minimizing with −g
    g[18] = std::nanf("");
    a.step(p, g);
    CHECK(std::isnan(a.state(0).max_exp_avg_sq[18]));
    CHECK(std::isnan(p[18]));
    CHECK(!std::isnan(p[17]));
}
