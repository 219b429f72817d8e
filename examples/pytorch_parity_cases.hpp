#pragma once
// Golden perceptron cases computed by PyTorch (tests/data/perceptron_cases.json and friends,
// format in tests/data/README.md): reading them, evaluating them with ctgrad, comparing.
// Shared by examples/pytorch_parity/ (the tool) and tests/unit/test_pytorch_parity.cpp;
// the layer cases (examples/pytorch_parity_layers.hpp) use its reading and comparison parts.
//
// The model of every case is o = sigmoid(x @ w.t() (+ b)) with a loss against a target. The
// losses mse_mean and half_sse come with or without a bias and against a given target or the
// lecture's "ones"; mse_sum, bce_mean and bce_logits_mean (tests/data/empty_batch_cases.json)
// only with a bias and a given target: 11 variants (`variants`), which with the data's two
// precisions make 22 compiled ctgrad programs, made from one function template
// (`evaluate_as`) and chosen at run time from a table (in `evaluate`). N and K are dynamic
// axes, B the batch axis: one program serves every size, B = 0 (the empty batch) included.
//
// Comparison rule (`compare`, `tolerance_for`, `condition_scales`), the same for the tool
// and the tests:
//   error of an element = |a - r| / max(|r|, m, floor)
//   error of a case     = the largest over loss_value and every element of grad_w, grad_b,
//                         grad_x;  the case passes when it is <= rtol (NaN never passes)
// where the reference is finite; a NaN reference needs a NaN, an infinite one the same
// infinity (else the element's error is infinite), and a finite one a finite value.
// with, by the precision of the reference results (the case's dtype; when ctgrad computes in
// the other precision, the coarser of the two):
//   float32: rtol = 1e-5,  floor = 2^-126  (FLT_MIN, the smallest normal float)
//   float64: rtol = 1e-12, floor = 2^-1022 (DBL_MIN)
// and m the element's condition scale: a first-order bound of its rounding error divided by
// the unit roundoff u, computed in double from the case's inputs. Per sample b and output k,
// with z = x_b . w_k + b_k, s_z = sum_n |x_bn w_kn| + |b_k|, o = sigmoid(z), s = o (1 - o):
//   o is off by about u (o + s s_z)                 (its rounding; z's, through sigmoid')
//   d = dloss/dz = c (o - t) s  is off by u m_d,  m_d = c ((s + |o - t|)(o + s s_z) + s (|t| + |o - t|))
//   m[grad_w[k,n]] = sum_b m_d |x_bn|    m[grad_x[b,n]] = sum_k m_d |w_kn|    m[grad_b[k]] = sum_b m_d
//   m[loss_value]  = sum_bk c' (2 |o - t| (o + s s_z + |t|) + (o - t)^2)
// (c = 2/(B K), c' = 1/(B K) for mse_mean; c = 2, c' = 1 for mse_sum; c = 1, c' = 1/2 for
// half_sse; t = 1 for "ones"); bce_mean and bce_logits_mean have their own d and loss terms
// (`sigmoid_head`, shared with the layer cases). Where an input is not finite, m can be NaN
// or infinite: such an m is ignored (the element is judged by max(|r|, floor)).
// m is at least about |exact value|, larger by the element's condition number: each element
// is judged relative to what rounding can do to it, a few |r| when it is well-conditioned,
// far more when it is much smaller than its terms (a sum that cancels, o close to t, a
// sigmoid close to saturation, where 1 - o cancels). Plain elementwise relative error,
// |a - r| / max(|r|, absolute floor), is not usable: PyTorch's own float32 results are up to
// 1e-3 away from the exact values of their inputs (tests/data/perceptron_cases.json,
// "mnist_like", grad_w), ctgrad's as far in other directions. Measured in long double on the
// stored cases (the subnormal ones aside), both are within 2.1 u m of the exact values, so
// the tolerances leave a wide margin: 1e-5 is 168 u in float32, 1e-12 is 9007 u in float64.
//
// Input errors throw `input_error`, whose message names the file, the case and the field.

#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <ctgrad/ctgrad.hpp>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace parity {

enum class dtype { float32, float64 };
enum class loss_kind { mse_mean, half_sse, mse_sum, bce_mean, bce_logits_mean };
inline constexpr std::array<const char*, 5> loss_names{"mse_mean", "half_sse", "mse_sum", "bce_mean",
                                                       "bce_logits_mean"};
enum class target_kind { given, ones };

inline const char* name_of(dtype d) {
    return d == dtype::float32 ? "float32" : "float64";
}

/// Loss value and gradients, in double whatever precision computed them.
/// `grad_b` is empty when the model has no bias.
struct results {
    double loss_value = 0;
    std::vector<double> grad_w, grad_b, grad_x;
};

/// One case of the file: the model, its inputs, and PyTorch's results when the file has them.
struct perceptron_case {
    std::string name;
    dtype type = dtype::float32;
    std::size_t B = 0, N = 0, K = 0;
    loss_kind loss = loss_kind::mse_mean;
    bool bias = false;
    target_kind target = target_kind::given;
    std::vector<double> x, w, b, t;  // b empty without bias, t empty for the "ones" target

    // The reference results: each optional in the file.
    std::optional<double> loss_value;
    std::optional<std::vector<double>> grad_w, grad_b, grad_x;  // grad_b stays empty without bias
};

/// Bad input: unreadable file, invalid JSON, a missing or malformed field.
class input_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// ---------------------------------------------------------------------------------------
// The model and the 22 programs

namespace model {
using namespace ctgrad;
inline constexpr axis<"n"> n{};  // features, dynamic
inline constexpr axis<"k"> k{};  // outputs, dynamic
inline constexpr auto x = input<"x">(batch, n);
inline constexpr auto t = input<"t">(batch, k);
inline constexpr auto w = parameter<"w">(k, n);
inline constexpr auto b = parameter<"b">(k);

/// z = x @ w.t() (+ b), B x K.
template <bool Bias>
constexpr auto logits() {
    if constexpr (Bias)
        return matmul(x, transpose(w)) + b;
    else
        return matmul(x, transpose(w));
}

/// o = sigmoid(z), B x K.
template <bool Bias>
constexpr auto output() {
    return sigmoid(logits<Bias>());
}

/// The loss of a case, written as the PyTorch code that made it.
// [snippet: parity-loss]
template <loss_kind L, bool Bias, target_kind Tg>
constexpr auto loss() {
    constexpr auto o = output<Bias>();
    if constexpr (L == loss_kind::mse_mean && Tg == target_kind::given)
        return mse_loss(o, t);  // F.mse_loss(o, t)
    else if constexpr (L == loss_kind::mse_mean)
        return mse_loss(ones(1, 1), o);  // the lecture's F.mse_loss(torch.ones(1,1), o)
    else if constexpr (L == loss_kind::mse_sum)
        return sum(pow<2>(o - t));  // F.mse_loss(o, t, reduction="sum")
    else if constexpr (L == loss_kind::bce_mean)
        return binary_cross_entropy(o, t);  // F.binary_cross_entropy(o, t)
    else if constexpr (L == loss_kind::bce_logits_mean)
        return binary_cross_entropy_with_logits(logits<Bias>(), t);  // F.binary_cross_entropy_with_logits(z, t)
    else if constexpr (Tg == target_kind::given)
        return 0.5_c * sum(pow<2>(o - t));  // E = 0.5 * ((o - t)**2).sum()
    else
        return 0.5_c * sum(pow<2>(o - ones(1, 1)));  // E = 0.5 * ((o - torch.ones(1,1))**2).sum()
}
// [snippet-end]
}  // namespace model

namespace detail {

/// Concatenates strings by appending (g++ 12 warns falsely on `"literal" + std::string` at -O3,
/// bug 105329).
template <class... S>
std::string cat(const S&... s) {
    std::string out;
    (out.append(std::string_view(s)), ...);
    return out;
}

template <class T>
std::vector<T> as(const std::vector<double>& v) {
    return std::vector<T>(v.begin(), v.end());
}

}  // namespace detail

/// Evaluates case `c` in precision T with the program for (L, Bias, Tg): inputs rounded to T,
/// loss and gradients (w, b if any, x) in one fused pass, widened back to double.
template <class T, loss_kind L, bool Bias, target_kind Tg>
results evaluate_as(const perceptron_case& c) {
    using namespace model;
    static constexpr auto E = loss<L, Bias, Tg>();
    constexpr auto step = [] {
        if constexpr (Bias)
            return ctgrad::value_and_grad(E, ctgrad::wrt(w, b, x));
        else
            return ctgrad::value_and_grad(E, ctgrad::wrt(w, x));
    }();

    const std::size_t B = c.B, N = c.N, K = c.K;
    const std::vector<T> xs = detail::as<T>(c.x), ws = detail::as<T>(c.w), bs = detail::as<T>(c.b),
                         ts = detail::as<T>(c.t);
    std::vector<T> dw(K * N), db(Bias ? K : 0), dx(B * N);

    // bind(x), bind(w), [bind(b)], [bind(t)], then the gradient buffers dw, [db], dx.
    const auto bindings = std::tuple_cat(
        std::make_tuple(ctgrad::bind(x, xs.data(), {B, N}), ctgrad::bind(w, ws.data(), {K, N})),
        [&] {
            if constexpr (Bias)
                return std::make_tuple(ctgrad::bind(b, bs.data(), {K}));
            else
                return std::tuple<>{};
        }(),
        [&] {
            if constexpr (Tg == target_kind::given)
                return std::make_tuple(ctgrad::bind(t, ts.data(), {B, K}));
            else
                return std::tuple<>{};
        }());
    const auto buffers = [&] {
        if constexpr (Bias)
            return std::tie(dw, db, dx);
        else
            return std::tie(dw, dx);
    }();

    T loss_value{};
    const ctgrad::status s = std::apply([&](auto&&... args) { return step.try_evaluate(loss_value, args...); },
                                        std::tuple_cat(bindings, buffers));
    if (!s.ok())  // parse_case has checked every length: this is not expected
        throw input_error(detail::cat("case '", c.name, "': ", s.message()));

    results r;
    r.loss_value = static_cast<double>(loss_value);
    r.grad_w.assign(dw.begin(), dw.end());
    r.grad_b.assign(db.begin(), db.end());
    r.grad_x.assign(dx.begin(), dx.end());
    return r;
}

/// A model variant: (loss, bias, target); each is one compiled program per precision.
struct variant {
    loss_kind loss;
    bool bias;
    target_kind target;
};

/// The 11 variants: mse_mean and half_sse in all four (bias, target) forms; mse_sum, bce_mean
/// and bce_logits_mean with a bias and a given target only (the forms of the data).
inline constexpr auto variants = [] {
    std::array<variant, 11> v{};
    std::size_t i = 0;
    for (auto loss : {loss_kind::mse_mean, loss_kind::half_sse})
        for (bool bias : {false, true})
            for (auto target : {target_kind::given, target_kind::ones})
                v[i++] = {loss, bias, target};
    for (auto loss : {loss_kind::mse_sum, loss_kind::bce_mean, loss_kind::bce_logits_mean})
        v[i++] = {loss, true, target_kind::given};
    return v;
}();

/// The index in `variants` of (loss, bias, target), if it is one.
inline std::optional<std::size_t> variant_index(loss_kind loss, bool bias, target_kind target) {
    for (std::size_t i = 0; i < variants.size(); ++i)
        if (variants[i].loss == loss && variants[i].bias == bias && variants[i].target == target)
            return i;
    return std::nullopt;
}

/// The 11 programs in precision T. (Case, always perceptron_case, makes a call from a template
/// on Case dependent: see `evaluate`.)
template <class T, class Case = perceptron_case>
constexpr auto programs_of() {
    return []<std::size_t... I>(std::index_sequence<I...>) {
        return std::array<results (*)(const Case&), sizeof...(I)>{
            &evaluate_as<T, variants[I].loss, variants[I].bias, variants[I].target>...};
    }
    (std::make_index_sequence<variants.size()>{});
}

/// Evaluates case `c` in precision `precision` (the case's own dtype, or the other one) with
/// the program of its variant: programs[precision][variant index], 22 function pointers.
/// A template (Case is perceptron_case) whose table depends on Case, so that the 22 programs are
/// instantiated only where it is called: as an inline function, its table made every
/// translation unit that includes this header (the layer, elementwise, optimizer... readers
/// too) spend ~5 s of g++ 12's time instantiating them, used or not.
template <std::same_as<perceptron_case> Case>
results evaluate(const Case& c, dtype precision) {
    static constexpr std::array<std::array<results (*)(const Case&), variants.size()>, 2> programs{
        programs_of<float, Case>(), programs_of<double, Case>()};
    const std::optional<std::size_t> i = variant_index(c.loss, c.bias, c.target);
    if (!i)  // parse_case refuses these: this is not expected
        throw input_error(detail::cat("case '", c.name, "': no program for its loss, bias and target"));
    return programs[static_cast<std::size_t>(precision)][*i](c);
}

/// Evaluates case `c` in its own precision (a template for the same reason).
template <std::same_as<perceptron_case> Case>
results evaluate(const Case& c) {
    return evaluate(c, c.type);
}

// ---------------------------------------------------------------------------------------
// Comparison

/// Tolerance for comparing with reference results of precision `d` (see the top of the file).
struct tolerance {
    double rtol;   ///< the largest error that passes
    double floor;  ///< the smallest normal number: below it a format has no relative precision
};

inline tolerance tolerance_for(dtype d) {
    return d == dtype::float32 ? tolerance{1e-5, std::numeric_limits<float>::min()}
                               : tolerance{1e-12, std::numeric_limits<double>::min()};
}

/// The tolerance for results computed in `computed` against references of precision `ref`:
/// the coarser of the two.
inline tolerance tolerance_for(dtype computed, dtype ref) {
    return tolerance_for(computed == dtype::float32 || ref == dtype::float32 ? dtype::float32 : dtype::float64);
}

/// The losses of a sigmoid head o = sigmoid(z), as far as the condition scales go.
enum class head_kind { squared, bce, bce_logits };

/// One element's part of the condition scales of a sigmoid head: d = dloss/dz, its bound e_d,
/// and its term of the loss value's bound, for the logit z (bound ez) and the target t.
struct head_terms {
    double d, ed, e_loss;
};

/// With o = sigmoid(z), s = o (1 - o), e_o = o + s ez (its rounding, and z's through sigmoid'):
///   squared (loss = cl sum (o - t)^2, dloss/do = cg (o - t)): d = cg (o - t) s,
///     e_d = cg ((s + |o - t|) e_o + s (|t| + |o - t|)),  e_loss = cl (2 |o - t| (e_o + |t|) + (o - t)^2)
///   bce (mean, cg = cl = 1/(BK)): d = cg (o - t), e_d = cg (e_o + |t| + 4|o - t|) (PyTorch divides
///     by o (1 - o) and multiplies by it again); l = -(t log o + (1 - t) log(1 - o)),
///     e_loss = cl (|o - t|/(1 - o) + |o - t| ez + |t| |log(1 - o) - log o| + 2|t log o|
///                  + 2|(1 - t) log(1 - o)| + |1 - t| + |l|)
///   bce_logits (mean, cg = cl = 1/(BK)): d = cg (o - t), e_d = cg (e_o + |t| + 2|o - t|);
///     l = softplus(z) - t z, e_loss = cl (|o - t| ez + |t z| + the magnitudes of both ways to
///     compute l (PyTorch's (1 - t) z + max(-z, 0) + log(e^-max + e^(-z-max)), ctgrad's
///     softplus(z) - t z) + |l|)
/// Shared with the layer cases (pytorch_parity_layers.hpp, `loss_head`).
inline head_terms sigmoid_head(head_kind k, double cg, double cl, double z, double ez, double t) {
    const double o = 1.0 / (1.0 + std::exp(-z)), s = o * (1 - o);
    // Where s is exactly 0 (o exactly 0 or 1, z = +-inf among them) no error of z reaches o,
    // not even an infinite bound's: 0, not 0 * inf.
    const double eo = o + (s != 0 ? s * ez : 0.0), ot = std::fabs(o - t);
    switch (k) {
        case head_kind::squared:
            return {cg * (o - t) * s, cg * ((s + ot) * eo + s * (std::fabs(t) + ot)),
                    cl * (2 * ot * (eo + std::fabs(t)) + ot * ot)};
        case head_kind::bce: {
            const double lo = std::log(o), l1o = std::log1p(-o), l = -(t * lo + (1 - t) * l1o);
            return {cg * (o - t), cg * (eo + std::fabs(t) + 4 * ot),
                    cl * (ot / (1 - o) + ot * ez + std::fabs(t) * std::fabs(l1o - lo) + 2 * std::fabs(t * lo) +
                          2 * std::fabs((1 - t) * l1o) + std::fabs(1 - t) + std::fabs(l))};
        }
        case head_kind::bce_logits: {
            const double tail = std::log1p(std::exp(-std::fabs(z))), sp = std::fmax(z, 0) + tail;
            const double l = sp - t * z;
            return {cg * (o - t), cg * (eo + std::fabs(t) + 2 * ot),
                    cl * (ot * ez + std::fabs(t * z) + std::fabs((1 - t) * z) + std::fmax(-z, 0) + tail + sp +
                          std::fabs(t * z) + std::fabs(l))};
        }
    }
    return {0, 0, 0};
}

/// The condition scale m of every result element (see the top of the file), in double: a
/// first-order bound of the element's rounding error in units of the unit roundoff u, i.e.
/// any evaluation in a precision with unit roundoff u is within about u m of the exact value.
inline results condition_scales(const perceptron_case& c) {
    const std::size_t B = c.B, N = c.N, K = c.K;
    const double BK = static_cast<double>(B * K);
    head_kind kind = head_kind::squared;
    double cg = 1.0, cl = 0.5;  // half_sse: d loss / d o = cg (o - t), loss = cl sum (o - t)^2
    switch (c.loss) {
        case loss_kind::mse_mean:
            cg = 2.0 / BK, cl = 1.0 / BK;
            break;
        case loss_kind::mse_sum:
            cg = 2.0, cl = 1.0;
            break;
        case loss_kind::bce_mean:
        case loss_kind::bce_logits_mean:
            kind = c.loss == loss_kind::bce_mean ? head_kind::bce : head_kind::bce_logits;
            cg = cl = 1.0 / BK;
            break;
        case loss_kind::half_sse:
            break;
    }
    results m;
    m.grad_w.assign(K * N, 0.0);
    m.grad_b.assign(c.bias ? K : 0, 0.0);
    m.grad_x.assign(B * N, 0.0);
    m.loss_value = 0;
    for (std::size_t bi = 0; bi < B; ++bi) {
        for (std::size_t ki = 0; ki < K; ++ki) {
            double z = c.bias ? c.b[ki] : 0.0, sz = c.bias ? std::fabs(c.b[ki]) : 0.0;
            for (std::size_t ni = 0; ni < N; ++ni) {
                z += c.x[bi * N + ni] * c.w[ki * N + ni];
                sz += std::fabs(c.x[bi * N + ni] * c.w[ki * N + ni]);
            }
            const double t = c.target == target_kind::given ? c.t[bi * K + ki] : 1.0;
            const head_terms h = sigmoid_head(kind, cg, cl, z, sz, t);
            const double md = h.ed;
            for (std::size_t ni = 0; ni < N; ++ni) {
                m.grad_w[ki * N + ni] += md * std::fabs(c.x[bi * N + ni]);
                m.grad_x[bi * N + ni] += md * std::fabs(c.w[ki * N + ni]);
            }
            if (c.bias)
                m.grad_b[ki] += md;
            m.loss_value += h.e_loss;
        }
    }
    return m;
}

/// How far one field (loss_value, grad_w, grad_b or grad_x) is from its reference.
struct field_error {
    double error = 0;       ///< max_i |a_i - r_i| / max(|r_i|, m_i, floor); NaN if any is NaN
    std::size_t index = 0;  ///< the element where it is largest
};

/// A reference NaN needs a NaN (error 0, else infinite), a reference infinity the same infinity
/// (error 0, else infinite); a finite reference a finite value (a NaN gives a NaN error, an
/// infinity an infinite one). An m that is not finite (non-finite inputs) is not used.
inline field_error compare_values(const std::vector<double>& a, const std::vector<double>& r,
                                  const std::vector<double>& m, double floor) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    if (a.size() != r.size() || m.size() != r.size())
        return {nan, 0};
    field_error f;
    for (std::size_t i = 0; i < a.size(); ++i) {
        double e = 0;
        if (std::isnan(r[i]))
            e = std::isnan(a[i]) ? 0 : inf;
        else if (std::isinf(r[i]))
            e = a[i] == r[i] ? 0 : std::isnan(a[i]) ? nan : inf;
        else
            e = std::fabs(a[i] - r[i]) / std::fmax(std::fmax(std::fabs(r[i]), std::isfinite(m[i]) ? m[i] : 0.0), floor);
        if (std::isnan(e))
            return {nan, i};
        if (e > f.error)
            f = {e, i};
    }
    return f;
}

/// How far a case's results are from the reference: the worst of its fields.
struct case_error {
    double error = 0;                  ///< the largest field error (NaN if any is NaN)
    std::string where = "loss_value";  ///< the worst field and element: "grad_w[3]"
    field_error loss_value, grad_w, grad_b, grad_x;
};

/// Compares results `a` with the reference results `r` (all fields present), field by field, each
/// element relative to its condition scale in `m`: the worst field and element. (Shared by the
/// cases whose results are a loss and grad_w, grad_b, grad_x: perceptron and regularized cases.)
inline case_error compare_results(const results& a, const results& r, const results& m, double floor) {
    case_error e;
    e.loss_value = compare_values({a.loss_value}, {r.loss_value}, {m.loss_value}, floor);
    e.grad_w = compare_values(a.grad_w, r.grad_w, m.grad_w, floor);
    e.grad_b = compare_values(a.grad_b, r.grad_b, m.grad_b, floor);
    e.grad_x = compare_values(a.grad_x, r.grad_x, m.grad_x, floor);
    for (const auto& [field, f] : {std::pair<const char*, const field_error*>{"loss_value", &e.loss_value},
                                   {"grad_w", &e.grad_w},
                                   {"grad_b", &e.grad_b},
                                   {"grad_x", &e.grad_x}}) {
        if (std::isnan(e.error))
            break;
        if (std::isnan(f->error) || f->error > e.error) {
            e.error = f->error;
            e.where = field[0] == 'g' ? detail::cat(field, "[", std::to_string(f->index), "]") : field;
        }
    }
    return e;
}

/// Compares the results `a` of case `c` with the reference results `r` (all fields present).
inline case_error compare(const perceptron_case& c, const results& a, const results& r, double floor) {
    return compare_results(a, r, condition_scales(c), floor);
}

/// The worst of several errors and where it is, for the kinds judged by a rule of their own
/// (elementwise, optimizer and training cases): an error that is NaN counts as infinite.
struct worst_error {
    double error = 0;
    std::string where;  ///< where the worst error is (what to say when every error is 0)

    /// Keeps `e` and `w` when `e` is worse than the worst so far.
    void add(double e, const std::string& w) {
        if (!(e <= error)) {  // NaN too
            error = std::isnan(e) ? std::numeric_limits<double>::infinity() : e;
            where = w;
        }
    }
};

/// Does it pass? (The error is at most rtol; NaN never passes.) For the case_error of either
/// kind of case.
template <class CaseError>
bool passes(const CaseError& e, const tolerance& tol) {
    return e.error <= tol.rtol;
}

/// Does `c` carry every reference field? (grad_b only when the model has a bias.)
inline bool has_reference(const perceptron_case& c) {
    return c.loss_value && c.grad_w && c.grad_x && (!c.bias || c.grad_b);
}

/// What --check says of a case without every reference field: the first one missing, and
/// why it is needed; nullopt when `has_reference(c)`.
inline std::optional<std::string> missing_result(const perceptron_case& c) {
    if (has_reference(c))
        return std::nullopt;
    const char* field = !c.loss_value ? "loss_value" : !c.grad_w ? "grad_w" : !c.grad_x ? "grad_x" : "grad_b";
    return detail::cat("field '", field,
                       "': missing (--check needs loss_value, grad_w, grad_x and, with a bias, grad_b)");
}

/// The reference results of `c`; `has_reference(c)` must hold.
inline results reference_of(const perceptron_case& c) {
    results r;
    r.loss_value = *c.loss_value;
    r.grad_w = *c.grad_w;
    r.grad_b = c.grad_b.value_or(std::vector<double>{});
    r.grad_x = *c.grad_x;
    return r;
}

// ---------------------------------------------------------------------------------------
// Reading

namespace detail {

/// Reads the fields of one case, each error naming the case and the field.
class case_reader {
public:
    case_reader(const nlohmann::json& j, std::string where) : j_(j), where_(std::move(where)) {}

    [[noreturn]] void fail(std::string_view field, const std::string& what) const {
        throw input_error(cat(where_, ", field '", field, "': ", what));
    }

    bool present(const char* field) const { return j_.contains(field) && !j_.at(field).is_null(); }

    const nlohmann::json& require(const char* field) const {
        if (!j_.contains(field))
            fail(field, "missing");
        return j_.at(field);
    }

    std::string string(const char* field) const {
        const auto& v = require(field);
        if (!v.is_string())
            fail(field, cat("must be a string, found ", v.type_name()));
        return v.get<std::string>();
    }

    /// A string field naming one of `names` (the field names the kind: "unknown loss 'x'
    /// (mse_mean or half_sse)"): its index.
    template <std::size_t M>
    std::size_t choice(const char* field, const std::array<const char*, M>& names) const {
        const std::string s = string(field);
        std::string known;
        for (std::size_t i = 0; i < M; ++i) {
            if (s == names[i])
                return i;
            known.append(i == 0 ? "" : i + 1 == M ? " or " : ", ").append(names[i]);
        }
        fail(field, cat("unknown ", field, " '", s, "' (", known, ")"));
    }

    /// A positive integer (or 0 when `zero_ok`).
    std::size_t extent(const char* field, bool zero_ok = false) const {
        const auto& v = require(field);
        if (!v.is_number_unsigned() || (v.get<std::uint64_t>() == 0 && !zero_ok))
            fail(field, cat(zero_ok ? "must be a non-negative integer" : "must be a positive integer", ", found ",
                            shorten(v.dump())));
        if (v.get<std::uint64_t>() >= (std::uint64_t{1} << 31))  // so that products cannot overflow
            fail(field, cat("is too large: ", shorten(v.dump())));
        return static_cast<std::size_t>(v.get<std::uint64_t>());
    }

    bool boolean(const char* field) const {
        const auto& v = require(field);
        if (!v.is_boolean())
            fail(field, cat("must be true or false, found ", shorten(v.dump())));
        return v.get<bool>();
    }

    /// A number: a JSON number, or one of the strings "nan", "inf", "-inf" (JSON has none).
    double number(const char* field, dtype d) const {
        const auto& v = require(field);
        const std::optional<double> x = decode(v);
        if (!x)
            fail(field, cat("must be a number (or \"nan\", \"inf\", \"-inf\"), found ", shorten(v.dump())));
        check_range(field, *x, d, -1);
        return *x;
    }

    /// An array of exactly n numbers.
    std::vector<double> numbers(const char* field, std::size_t n, dtype d, const char* shape) const {
        const auto& v = require(field);
        if (!v.is_array())
            fail(field,
                 cat("must be an array of ", std::to_string(n), " numbers (", shape, "), found ", v.type_name()));
        if (v.size() != n)
            fail(field, cat("has ", std::to_string(v.size()), " elements, ", shape, " needs ", std::to_string(n)));
        std::vector<double> out;
        out.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            const std::optional<double> e = decode(v[i]);
            if (!e)
                fail(field, cat("element ", std::to_string(i), " is not a number (or \"nan\", \"inf\", \"-inf\"): ",
                                shorten(v[i].dump())));
            out.push_back(*e);
            check_range(field, out.back(), d, static_cast<long long>(i));
        }
        return out;
    }

    /// The field must be absent or null.
    void absent(const char* field, const std::string& because) const {
        if (present(field))
            fail(field, cat("must be null ", because));
    }

private:
    /// A JSON number, or NaN and the infinities as the case files write them.
    static std::optional<double> decode(const nlohmann::json& v) {
        if (v.is_number())
            return v.get<double>();
        if (v.is_string()) {
            const std::string& s = v.get_ref<const std::string&>();
            if (s == "nan")
                return std::numeric_limits<double>::quiet_NaN();
            if (s == "inf" || s == "-inf")
                return s == "inf" ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
        }
        return std::nullopt;
    }

    static std::string shorten(std::string s) {
        if (s.size() > 40)
            s.replace(37, std::string::npos, "...");
        return s;
    }

    /// Float32 data must not overflow float32 (an infinity written "inf" is one already).
    void check_range(const char* field, double x, dtype d, long long i) const {
        if (d == dtype::float32 && std::isfinite(x) && std::isinf(static_cast<float>(x)))
            fail(field, cat(i >= 0 ? cat("element ", std::to_string(i), " ") : std::string(), "(",
                            nlohmann::json(x).dump(), ") overflows float32"));
    }

    const nlohmann::json& j_;
    std::string where_;
};

/// B*N and the like: no overflow, as extent() keeps extents below 2^31.
inline std::size_t product(std::size_t a, std::size_t b) {
    return a * b;
}

/// The reader of case number `index` (0-based) of a file called `file`, its messages naming
/// the case ("file: case #3 'name'"); sets `name`.
inline case_reader open_case(const nlohmann::json& j, std::size_t index, const std::string& file, std::string& name) {
    const std::string prefix = cat(file, file.empty() ? "" : ": ", "case #", std::to_string(index));
    if (!j.is_object())
        throw input_error(cat(prefix, ": must be an object, found ", j.type_name()));
    name = case_reader(j, prefix).string("name");
    return case_reader(j, cat(prefix, " '", name, "'"));
}

/// The dtype of a case.
inline dtype dtype_of(const case_reader& r) {
    return static_cast<dtype>(r.choice("dtype", std::array{"float32", "float64"}));
}

/// Reads the cases of a parsed file, {"cases": [...]}, each by `parse(json, index, file)`.
template <class Parse>
auto parse_file(const nlohmann::json& j, const std::string& file, Parse parse) {
    const std::string prefix = cat(file, file.empty() ? "" : ": ");
    if (!j.is_object() || !j.contains("cases"))
        throw input_error(cat(prefix, "expected an object with a field 'cases'"));
    const auto& cases = j.at("cases");
    if (!cases.is_array())
        throw input_error(cat(prefix, "field 'cases' must be an array, found ", cases.type_name()));
    std::vector<decltype(parse(cases, std::size_t{0}, file))> out;
    out.reserve(cases.size());
    for (std::size_t i = 0; i < cases.size(); ++i)
        out.push_back(parse(cases[i], i, file));
    return out;
}

/// Does some case of the parsed file `j`, {"cases": [...]}, have the field `field`? (The
/// kinds of case files are told apart so.)
inline bool some_case_has(const nlohmann::json& j, const char* field) {
    if (!j.is_object() || !j.contains("cases") || !j.at("cases").is_array())
        return false;
    for (const auto& c : j.at("cases"))
        if (c.is_object() && c.contains(field))
            return true;
    return false;
}

/// Reads a file and parses it as JSON.
inline nlohmann::json read_json(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        throw input_error(cat(path, ": is a directory, not a file of cases"));
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw input_error(cat(path, ": cannot open the file"));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad())
        throw input_error(cat(path, ": cannot read the file"));
    try {
        return nlohmann::json::parse(text.str());
    } catch (const nlohmann::json::parse_error& e) {
        throw input_error(cat(path, ": not valid JSON (byte ", std::to_string(e.byte), "): ", e.what()));
    }
}

}  // namespace detail

/// Reads case number `index` (0-based) of a file called `file` (for messages).
inline perceptron_case parse_case(const nlohmann::json& j, std::size_t index, const std::string& file = "") {
    perceptron_case c;
    const detail::case_reader r = detail::open_case(j, index, file, c.name);
    c.type = detail::dtype_of(r);
    c.B = r.extent("B", true);  // B = 0: the empty batch
    c.N = r.extent("N");
    c.K = r.extent("K");
    c.loss = static_cast<loss_kind>(r.choice("loss", loss_names));
    c.bias = r.boolean("bias");
    c.target = static_cast<target_kind>(r.choice("target", std::array{"given", "ones"}));
    if (!variant_index(c.loss, c.bias, c.target))
        r.fail("loss", detail::cat("loss '", loss_names[static_cast<std::size_t>(c.loss)],
                                   "' needs a bias and a given target (only mse_mean and half_sse have the "
                                   "other forms)"));

    using detail::product;
    c.x = r.numbers("x", product(c.B, c.N), c.type, "B*N");
    c.w = r.numbers("w", product(c.K, c.N), c.type, "K*N");
    if (c.bias)
        c.b = r.numbers("b", c.K, c.type, "K");
    else
        r.absent("b", "without a bias");
    if (c.target == target_kind::given)
        c.t = r.numbers("t", product(c.B, c.K), c.type, "B*K");
    else
        r.absent("t", "for the 'ones' target");

    // Results: each optional, checked when present.
    if (r.present("loss_value"))
        c.loss_value = r.number("loss_value", dtype::float64);
    if (r.present("grad_w"))
        c.grad_w = r.numbers("grad_w", product(c.K, c.N), dtype::float64, "K*N");
    if (r.present("grad_x"))
        c.grad_x = r.numbers("grad_x", product(c.B, c.N), dtype::float64, "B*N");
    if (c.bias) {
        if (r.present("grad_b"))
            c.grad_b = r.numbers("grad_b", c.K, dtype::float64, "K");
    } else {
        r.absent("grad_b", "without a bias");
    }
    return c;
}

/// Reads the cases of a parsed file: {"cases": [...]}.
inline std::vector<perceptron_case> parse_cases(const nlohmann::json& j, const std::string& file = "") {
    return detail::parse_file(j, file, parse_case);
}

/// Reads and parses a file of cases.
inline std::vector<perceptron_case> load_cases(const std::string& path) {
    return parse_cases(detail::read_json(path), path);
}

}  // namespace parity
