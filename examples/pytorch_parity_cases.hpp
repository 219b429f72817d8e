#pragma once
// Golden perceptron cases computed by PyTorch (tests/data/perceptron_cases.json and friends,
// format in tests/data/README.md): reading them, evaluating them with ctgrad, comparing.
// Shared by examples/pytorch_parity.cpp (the tool) and tests/unit/test_pytorch_parity.cpp;
// the layer cases (examples/pytorch_parity_layers.hpp) use its reading and comparison parts.
//
// The model of every case is o = sigmoid(x @ w.t() (+ b)) with a loss of two kinds against a
// target of two kinds; with the data's two precisions that is 2 x 2 x 2 x 2 = 16 compiled
// ctgrad programs, made from one function template (`evaluate_as`) and chosen at run time
// from a table (`program_table`). N and K are dynamic axes, B the batch axis: one program
// serves every size.
//
// Comparison rule (`compare`, `tolerance_for`, `condition_scales`), the same for the tool
// and the tests:
//   error of an element = |a - r| / max(|r|, m, floor)
//   error of a case     = the largest over loss_value and every element of grad_w, grad_b,
//                         grad_x;  the case passes when it is <= rtol (NaN never passes)
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
// (c = 2/(B K), c' = 1/(B K) for mse_mean; c = 1, c' = 1/2 for half_sse; t = 1 for "ones").
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
enum class loss_kind { mse_mean, half_sse };
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
// The model and the 16 programs

namespace model {
using namespace ctgrad;
inline constexpr axis<"n"> n{};  // features, dynamic
inline constexpr axis<"k"> k{};  // outputs, dynamic
inline constexpr auto x = input<"x">(batch, n);
inline constexpr auto t = input<"t">(batch, k);
inline constexpr auto w = parameter<"w">(k, n);
inline constexpr auto b = parameter<"b">(k);

/// o = sigmoid(x @ w.t() (+ b)), B x K.
template <bool Bias>
constexpr auto output() {
    if constexpr (Bias)
        return sigmoid(matmul(x, transpose(w)) + b);
    else
        return sigmoid(matmul(x, transpose(w)));
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

/// The 16 programs, one function pointer each: program_table[precision][loss * 4 + bias * 2 + target].
using evaluator = results (*)(const perceptron_case&);

template <class T>
constexpr auto programs_of() {
    // Index i = loss * 4 + bias * 2 + target.
    return []<std::size_t... I>(std::index_sequence<I...>) {
        return std::array<evaluator, sizeof...(I)>{
            &evaluate_as<T, static_cast<loss_kind>(I / 4), (I / 2) % 2 == 1, static_cast<target_kind>(I % 2)>...};
    }
    (std::make_index_sequence<8>{});
}

inline constexpr std::array<std::array<evaluator, 8>, 2> program_table{programs_of<float>(), programs_of<double>()};

/// Evaluates case `c` in precision `precision` (the case's own dtype, or the other one).
inline results evaluate(const perceptron_case& c, dtype precision) {
    const std::size_t i = static_cast<std::size_t>(c.loss) * 4 + (c.bias ? 2 : 0) + static_cast<std::size_t>(c.target);
    return program_table[static_cast<std::size_t>(precision)][i](c);
}

/// Evaluates case `c` in its own precision.
inline results evaluate(const perceptron_case& c) {
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

/// The condition scale m of every result element (see the top of the file), in double: a
/// first-order bound of the element's rounding error in units of the unit roundoff u, i.e.
/// any evaluation in a precision with unit roundoff u is within about u m of the exact value.
inline results condition_scales(const perceptron_case& c) {
    const std::size_t B = c.B, N = c.N, K = c.K;
    const bool mse = c.loss == loss_kind::mse_mean;
    const double BK = static_cast<double>(B * K);
    const double cg = mse ? 2.0 / BK : 1.0;  // d loss / d o = cg (o - t)
    const double cl = mse ? 1.0 / BK : 0.5;  // loss = cl sum (o - t)^2
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
            const double o = 1.0 / (1.0 + std::exp(-z));
            const double s = o * (1.0 - o);  // sigmoid'(z)
            const double t = c.target == target_kind::given ? std::fabs(c.t[bi * K + ki]) : 1.0;
            const double ot = std::fabs(o - (c.target == target_kind::given ? c.t[bi * K + ki] : 1.0));
            const double dO = o + s * sz;  // |error of o| / u: its rounding, and z's through sigmoid'
            // d = cg (o - t) o (1 - o): |dd/do| <= cg (s + |o - t|), |dd/dt| = cg s; plus d's roundings.
            const double md = cg * ((s + ot) * dO + s * (t + ot));
            for (std::size_t ni = 0; ni < N; ++ni) {
                m.grad_w[ki * N + ni] += md * std::fabs(c.x[bi * N + ni]);
                m.grad_x[bi * N + ni] += md * std::fabs(c.w[ki * N + ni]);
            }
            if (c.bias)
                m.grad_b[ki] += md;
            m.loss_value += cl * (2.0 * ot * (dO + t) + ot * ot);
        }
    }
    return m;
}

/// How far one field (loss_value, grad_w, grad_b or grad_x) is from its reference.
struct field_error {
    double error = 0;       ///< max_i |a_i - r_i| / max(|r_i|, m_i, floor); NaN if any is NaN
    std::size_t index = 0;  ///< the element where it is largest
};

inline field_error compare_values(const std::vector<double>& a, const std::vector<double>& r,
                                  const std::vector<double>& m, double floor) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    if (a.size() != r.size() || m.size() != r.size())
        return {nan, 0};
    field_error f;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const double e = std::fabs(a[i] - r[i]) / std::fmax(std::fmax(std::fabs(r[i]), m[i]), floor);
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

/// Compares the results `a` of case `c` with the reference results `r` (all fields present).
inline case_error compare(const perceptron_case& c, const results& a, const results& r, double floor) {
    const results m = condition_scales(c);
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

    std::size_t extent(const char* field) const {
        const auto& v = require(field);
        if (!v.is_number_unsigned() || v.get<std::uint64_t>() == 0)
            fail(field, cat("must be a positive integer, found ", shorten(v.dump())));
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

    double number(const char* field, dtype d) const {
        const auto& v = require(field);
        if (!v.is_number())
            fail(field, cat("must be a number, found ", shorten(v.dump())));
        const double x = v.get<double>();
        check_range(field, x, d, -1);
        return x;
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
            const auto& e = v[i];
            if (!e.is_number())
                fail(field, cat("element ", std::to_string(i), " is not a number: ", shorten(e.dump())));
            out.push_back(e.get<double>());
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
    static std::string shorten(std::string s) {
        if (s.size() > 40)
            s.replace(37, std::string::npos, "...");
        return s;
    }

    /// Float32 data must be finite as a float (as a double JSON numbers always are).
    void check_range(const char* field, double x, dtype d, long long i) const {
        if (d == dtype::float32 && std::isinf(static_cast<float>(x)))
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
    c.B = r.extent("B");
    c.N = r.extent("N");
    c.K = r.extent("K");
    c.loss = static_cast<loss_kind>(r.choice("loss", std::array{"mse_mean", "half_sse"}));
    c.bias = r.boolean("bias");
    c.target = static_cast<target_kind>(r.choice("target", std::array{"given", "ones"}));

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
