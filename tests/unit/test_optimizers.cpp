// ctgrad::optim (SGD, Adam, AdamW) against torch.optim, step for step: tests/data/optimizer_cases.json
// (tests/tools/make_optimizer_cases.py, torch 1.13, single-tensor implementations) holds 44
// cases — 11 configurations, one parameter of 33 elements or three of 7, 7830 and 10, float32
// and float64 — with the parameters after steps 1, 10 and 100 and the state after step 100.
// The initial values and the 100 gradients are regenerated here from the case's seed, exactly.
//
// The cases, their replay and the tolerance are examples/pytorch_parity_optimizers.hpp's, shared
// with `pytorch_parity --check tests/data/optimizer_cases.json`: |ctgrad − torch| ≤ k · ε_T ·
// max(|torch|, rms), k = 0 (bitwise) in a build with FMA, 16 without (that header says why).
// Measured sensitivity (mutations of the headers): dampening applied to SGD's first momentum
// step gives 1e6 ε in float32; Adam's update as p + s·(m/denom) instead of torch's
// p + (s·m)/denom, 0.07 to 0.5 ε: a reordering of that kind is seen only by the bitwise check
// of an FMA build.
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

#include "../../examples/pytorch_parity_optimizers.hpp"
#include "random.hpp"

namespace {

using nlohmann::json;
namespace optim = ctgrad::optim;

namespace po = parity::optimizers;  // the cases, their replay and the comparison, shared with pytorch_parity

const std::vector<po::optimizer_case>& cases() {
    static const std::vector<po::optimizer_case> parsed = [] {
        std::ifstream in(std::string(CTGRAD_TEST_DATA_DIR) + "/optimizer_cases.json");
        REQUIRE(in.good());
        return po::parse_cases(json::parse(in), "optimizer_cases.json");
    }();
    return parsed;
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

/// Replays a case with optimizer type Opt (options `options`) as pytorch_parity does, with an
/// optimizer on user-owned state and one optimizer per parameter in lockstep (bit for bit the
/// same), and returns its error against torch.
template <class T, class Opt, class Options>
po::case_error run_case(const po::optimizer_case& c, const Options& options, std::size_t state_buffers) {
    const std::vector<std::size_t>& sizes = c.sizes;
    const std::size_t P = sizes.size();
    po::case_numbers numbers{training::splitmix64(c.seed)};
    const auto params = po::initial_parameters<T>(c, numbers);  // the replay's starting point

    // The user's state: state_buffers buffers per parameter, zeroed.
    std::vector<std::vector<T>> user_state;
    for (std::size_t i = 0; i < P; ++i)
        for (std::size_t k = 0; k < state_buffers; ++k)
            user_state.emplace_back(sizes[i], T(0));
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

    const auto out = po::replay<T, Opt>(c, options, [&](const auto& owned_params, const auto& grads) {
        user_opt.step(spans(user_params), const_spans(grads));
        for (std::size_t i = 0; i < P; ++i)
            single_opts[i].step(std::span<T>(single_params[i]), std::span<const T>(grads[i]));
        // Where the state lives changes nothing: bit for bit.
        for (std::size_t i = 0; i < P; ++i) {
            REQUIRE(user_params[i] == owned_params[i]);
            REQUIRE(single_params[i] == owned_params[i]);
        }
    });
    CHECK(out.optimizer.steps() == 100);
    REQUIRE(out.r.state.size() == c.state->size());  // the buffers torch has, and no other
    for (const std::string& name : po::state_names(c)) {
        const std::size_t k = name == "exp_avg_sq" ? 1 : name == "max_exp_avg_sq" ? 2 : 0;
        for (std::size_t i = 0; i < P; ++i) {
            const auto buffer = po::state_buffer(out.optimizer, i, name);
            REQUIRE(buffer.size() == sizes[i]);
            // The user's buffers hold the same state.
            CHECK(std::equal(buffer.begin(), buffer.end(), user_state[i * state_buffers + k].begin()));
        }
    }
    return po::compare(c, out.r);
}

po::case_error run_case(const po::optimizer_case& c) {
    const auto run = [&]<class T>(T) {
        return po::with_optimizer<T>(c, [&]<class Opt>(std::type_identity<Opt>, const auto& options, std::size_t buffers) {
            return run_case<T, Opt>(c, options, buffers);
        });
    };
    return c.type == parity::dtype::float32 ? run(float{}) : run(double{});
}

}  // namespace

TEST_CASE("SGD, Adam and AdamW match torch.optim step for step over 100 steps", "[optim][pytorch]") {
    REQUIRE(cases().size() == 44);
    for (const po::optimizer_case& c : cases()) {
        const po::case_error worst = run_case(c);
        INFO(c.name << ": worst " << worst.error << " ε·scale at " << worst.where);
        CHECK(po::passes(worst));
    }
}

TEST_CASE("the worst error of each optimizer case", "[.][optim_report]") {
    for (const po::optimizer_case& c : cases()) {
        const po::case_error worst = run_case(c);
        std::printf("%-40s %8.3g  %s\n", c.name.c_str(), worst.error, worst.where.c_str());
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
