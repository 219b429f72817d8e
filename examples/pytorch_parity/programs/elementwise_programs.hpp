#pragma once
// The value_and_grad programs of the elementwise cases (examples/pytorch_parity_elementwise.hpp):
// 25 (model, op) pairs in float and double, compiled once, in the static library
// ctgrad_parity_programs (this directory's CMakeLists.txt), which the tool pytorch_parity and
// the unit tests (test_abs_clamp.cpp, test_robust_losses.cpp) both link. Four translation units,
// each precision's programs in two halves (elementwise_programs_{float,double}_{first,second}.cpp):
// in one, the 50 programs took 71 s of g++ 12's CPU time at -O3 and 2.2 GB.

#include <array>
#include <cstddef>
#include <ctgrad/ctgrad.hpp>
#include <span>
#include <tuple>
#include <utility>
#include <vector>

#include "../../pytorch_parity_elementwise.hpp"

namespace parity::elementwise {

/// The programs [0, split) are the first half (the direct ones and the perceptron's), [split, 25)
/// the second (the two-layer models').
inline constexpr std::size_t elementwise_programs_split = 19;

/// Evaluates elementwise case `c` (program < elementwise_programs_split) by value_and_grad in float.
results run_first_elementwise_programs_float(const elementwise_case& c);
/// Evaluates elementwise case `c` (program >= elementwise_programs_split) by value_and_grad in float.
results run_second_elementwise_programs_float(const elementwise_case& c);
/// Evaluates elementwise case `c` (program < elementwise_programs_split) by value_and_grad in double.
results run_first_elementwise_programs_double(const elementwise_case& c);
/// Evaluates elementwise case `c` (program >= elementwise_programs_split) by value_and_grad in double.
results run_second_elementwise_programs_double(const elementwise_case& c);

/// Evaluates elementwise case `c` by value_and_grad in `precision` with its program: inputs
/// rounded to that precision, value_and_grad of loss_of<c.program>(), compiled once in the
/// library's four parts.
inline results evaluate_compiled(const elementwise_case& c, dtype precision) {
    const bool first = c.program < elementwise_programs_split;
    if (precision == dtype::float32)
        return first ? run_first_elementwise_programs_float(c) : run_second_elementwise_programs_float(c);
    return first ? run_first_elementwise_programs_double(c) : run_second_elementwise_programs_double(c);
}

/// Evaluates case `c` in precision T with program P: inputs rounded to T, value_and_grad.
template <class T, std::size_t P>
results evaluate_as(const elementwise_case& c) {
    using namespace model;
    static constexpr auto loss = loss_of<P>();
    constexpr model_kind m = programs[P].model;
    const auto in = [](const std::vector<double>& v) { return detail::as<T>(v); };
    std::vector<std::vector<T>> grads(gradient_names(m, P >= first_binary).size());
    const auto run = [&](const auto& step, const auto& bindings, auto... sizes) {
        std::size_t i = 0;
        ((grads[i++].resize(sizes)), ...);
        T loss_value = 0;
        const ctgrad::status s = [&]<std::size_t... I>(std::index_sequence<I...>) {
            return std::apply(
                [&](const auto&... bs) { return step.try_evaluate(loss_value, bs..., std::span<T>(grads[I])...); },
                bindings);
        }(std::make_index_sequence<sizeof...(sizes)>{});
        if (!s.ok())  // parse_case has checked every length: this is not expected
            throw input_error(detail::cat("case '", c.name, "': ", s.message()));
        return static_cast<double>(loss_value);
    };
    results out;
    if constexpr (m == model_kind::direct) {
        const std::vector<T> as = in(c.a), bs = in(c.b);
        const auto ba = ctgrad::bind(a, as.data(), {c.B, c.K});
        if constexpr (P < first_binary) {
            static constexpr auto step = ctgrad::value_and_grad(loss, ctgrad::wrt(a));
            out.loss = run(step, std::make_tuple(ba), as.size());
        } else {
            static constexpr auto step = ctgrad::value_and_grad(loss, ctgrad::wrt(a, b));
            out.loss = run(step, std::make_tuple(ba, ctgrad::bind(b, bs.data(), {c.B, c.K})), as.size(), bs.size());
        }
    } else if constexpr (m == model_kind::perceptron) {
        const std::vector<T> xs = in(c.x), ws = in(c.w), bs = in(c.bias), ts = in(c.t);
        static constexpr auto step = ctgrad::value_and_grad(loss, ctgrad::wrt(w, bias, x));
        out.loss = run(step,
                       std::make_tuple(ctgrad::bind(x, xs.data(), {c.B, c.N}), ctgrad::bind(w, ws.data(), {c.K, c.N}),
                                       ctgrad::bind(bias, bs.data(), {c.K}), ctgrad::bind(t, ts.data(), {c.B, c.K})),
                       ws.size(), bs.size(), xs.size());
    } else {
        const std::vector<T> xs = in(c.x), w1s = in(c.w1), b1s = in(c.b1), w2s = in(c.w2), b2s = in(c.b2), ts = in(c.t);
        static constexpr auto step = ctgrad::value_and_grad(loss, ctgrad::wrt(w1, b1, w2, b2));
        out.loss = run(step,
                       std::make_tuple(ctgrad::bind(x, xs.data(), {c.B, c.N}), ctgrad::bind(w1, w1s.data(), {c.H, c.N}),
                                       ctgrad::bind(b1, b1s.data(), {c.H}), ctgrad::bind(w2, w2s.data(), {c.K, c.H}),
                                       ctgrad::bind(b2, b2s.data(), {c.K}), ctgrad::bind(t, ts.data(), {c.B, c.K})),
                       w1s.size(), b1s.size(), w2s.size(), b2s.size());
    }
    for (const auto& g : grads)
        out.grads.emplace_back(g.begin(), g.end());
    return out;
}

/// The program of c in precision T, chosen at run time from programs [First, First + Count)
/// (for the library's parts only).
template <class T, std::size_t First, std::size_t Count>
results run_elementwise_programs(const elementwise_case& c) {
    using fn = results (*)(const elementwise_case&);
    static constexpr auto table = []<std::size_t... I>(std::index_sequence<I...>) {
        return std::array<fn, Count>{&evaluate_as<T, First + I>...};
    }(std::make_index_sequence<Count>{});
    return table.at(c.program - First)(c);
}

}  // namespace parity::elementwise
