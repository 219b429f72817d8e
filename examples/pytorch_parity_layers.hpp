#pragma once
// Golden layer cases computed by PyTorch (tests/data/layer_cases.json, made by
// tests/tools/make_layer_cases.py; format in tests/data/README.md, "Layer cases"): reading
// them, evaluating them with ctgrad, comparing. Shared by examples/pytorch_parity/ (the
// tool) and tests/unit/test_layer_parity.cpp, next to pytorch_parity_cases.hpp (the
// perceptron cases), whose reading helpers, tolerances and compare_values it uses.
//
// The models:
//   two layers  h = act(x·W1ᵀ + b1), o = σ(h·W2ᵀ + b2), act sigmoid, tanh, relu or softplus,
//               loss mse_mean, half_sse or bce; and bce_logits on z = h·W2ᵀ + b2;
//   cross_entropy(z, y) for one layer z = x·wᵀ + b and for two (act relu or tanh).
// Each (layers, act, loss) is one compiled model (19 of them, `model_keys`), in two precisions
// and two ways: `evaluate<method::value_and_grad>` (the fused lowering, in float or double)
// and `evaluate<method::reference>` (reference::evaluate of the loss and of each grad(E, v),
// in double on the inputs rounded to the precision); each instantiated only where it is
// used. The 38 value_and_grad programs are compiled once, for the tool and the unit tests, in
// the library ctgrad_parity_programs (pytorch_parity/programs/layer_programs.hpp,
// `evaluate_compiled`). The cases of a type share its program and differ only in their data; the axes are
// dynamic, B the batch axis.
// The GELU cases (pytorch_parity_gelu.hpp) are layer cases too, with act gelu, one of them
// with the loss mse_act (the MSE of one layer's activation); their 2 models have a table of
// their own (`run` takes the table), which this header does not instantiate.
//
// Comparison: the rule of pytorch_parity_cases.hpp (parity::compare_values,
// parity::tolerance_for), over loss_value and every element of grad_w1, grad_b1, grad_w2,
// grad_b2 and grad_x:
//   error of an element = |a − r| / max(|r|, m, floor),  m its condition scale
//   float32 (computation or PyTorch's data): error <= 1e-5,  floor FLT_MIN
//   float64 (both):                          error <= 1e-12, floor DBL_MIN
// with m computed here for the layered models (`condition_scales`, explained there).
//
// Input errors, and a failed ctgrad evaluation, throw `parity::input_error`, whose message
// names the file, the case and the field.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <ctgrad/ctgrad.hpp>
#include <ctgrad/reference/evaluate.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "pytorch_parity_cases.hpp"

namespace parity::layers {

// gelu (the tanh approximation) and mse_act are the GELU cases' (pytorch_parity_gelu.hpp): a
// layer file names neither; mse_act is F.mse_loss(act(z), t) on one layer.
enum class act_kind { none, sigmoid, tanh, relu, softplus, gelu };  // none: one layer (but see mse_act)
enum class loss_kind { mse_mean, half_sse, bce, bce_logits, cross_entropy, mse_act };
inline constexpr std::array<const char*, 6> act_names{"none", "sigmoid", "tanh", "relu", "softplus", "gelu"};
inline constexpr std::array<const char*, 5> loss_names{"mse_mean", "half_sse", "bce", "bce_logits", "cross_entropy"};

/// The gradients of a case, in this order; one-layer models have no grad_w2, grad_b2 (empty).
enum field : std::size_t { f_w1, f_b1, f_w2, f_b2, f_x };
inline constexpr std::array<const char*, 5> field_names{"grad_w1", "grad_b1", "grad_w2", "grad_b2", "grad_x"};

/// Loss value and gradients, in double whatever computed them.
struct results {
    double loss_value = 0;
    std::array<std::vector<double>, 5> grad;  // by `field`
};

/// One (layers, act, loss): one compiled model.
struct model_key {
    int layers;
    act_kind act;
    loss_kind loss;
};

/// The 19 model types of the file: two layers × 4 activations × 4 sigmoid/logit losses, and
/// cross-entropy on one layer and on two (relu, tanh).
inline constexpr auto model_keys = [] {
    std::array<model_key, 19> keys{};
    std::size_t i = 0;
    for (auto act : {act_kind::sigmoid, act_kind::tanh, act_kind::relu, act_kind::softplus})
        for (auto loss : {loss_kind::mse_mean, loss_kind::half_sse, loss_kind::bce, loss_kind::bce_logits})
            keys[i++] = {2, act, loss};
    keys[i++] = {1, act_kind::none, loss_kind::cross_entropy};
    keys[i++] = {2, act_kind::relu, loss_kind::cross_entropy};
    keys[i++] = {2, act_kind::tanh, loss_kind::cross_entropy};
    return keys;
}();

/// The index in model_keys of (layers, act, loss), if it is one.
inline std::optional<std::size_t> model_index(int layers, act_kind act, loss_kind loss) {
    for (std::size_t i = 0; i < model_keys.size(); ++i)
        if (model_keys[i].layers == layers && model_keys[i].act == act && model_keys[i].loss == loss)
            return i;
    return std::nullopt;
}

/// One case of layer_cases.json: the model, its inputs, and PyTorch's results when the file
/// has them. A one-layer model keeps its w, b in w1, b1 (K×N, K), H = 0.
struct layer_case {
    std::string name;
    dtype type = dtype::float32;
    int layers = 2;
    std::size_t B = 0, N = 0, H = 0, K = 0;
    act_kind act = act_kind::none;
    loss_kind loss = loss_kind::mse_mean;
    std::size_t model = 0;                        // the index of (layers, act, loss) in model_keys
    std::vector<double> x, w1, b1, w2, b2, t, y;  // t empty for cross_entropy, y empty otherwise

    // The reference results: each optional in the file (grad_w2, grad_b2 stay empty for one layer).
    std::optional<double> loss_value;
    std::array<std::optional<std::vector<double>>, 5> grad;  // by `field`

    std::size_t width() const { return layers == 2 ? H : K; }  // outputs of the first layer
    /// The number of elements of each gradient, by `field` (0: none).
    std::array<std::size_t, 5> sizes() const {
        return {width() * N, width(), layers == 2 ? K * H : 0, layers == 2 ? K : 0, B * N};
    }
};

// ---------------------------------------------------------------------------------------
// The models and their programs

namespace model {
using namespace ctgrad;
inline constexpr axis<"j"> j{};    // features
inline constexpr axis<"h"> hid{};  // hidden units
inline constexpr axis<"k"> k{};    // outputs, classes
inline constexpr auto x = input<"x">(batch, j);
inline constexpr auto t = input<"t">(batch, k);
inline constexpr auto y = input<"y">(batch);  // class indices, stored as float or double
inline constexpr auto w1 = parameter<"w1">(hid, j);
inline constexpr auto b1 = parameter<"b1">(hid);
inline constexpr auto w2 = parameter<"w2">(k, hid);
inline constexpr auto b2 = parameter<"b2">(k);
inline constexpr auto w = parameter<"w">(k, j);  // the one layer of a one-layer model
inline constexpr auto b = parameter<"b">(k);

template <act_kind A, class Z>
constexpr auto activation(const Z& z) {
    if constexpr (A == act_kind::sigmoid)
        return sigmoid(z);
    else if constexpr (A == act_kind::tanh)
        return tanh(z);
    else if constexpr (A == act_kind::relu)
        return relu(z);
    else if constexpr (A == act_kind::softplus)
        return softplus(z);
    else
        return gelu(z);
}

/// The logits: x·wᵀ + b (one layer), act(x·W1ᵀ + b1)·W2ᵀ + b2 (two).
template <int Layers, act_kind A>
constexpr auto logits() {
    if constexpr (Layers == 1)
        return matmul(x, transpose(w)) + b;
    else
        return matmul(activation<A>(matmul(x, transpose(w1)) + b1), transpose(w2)) + b2;
}

/// The loss, written as the PyTorch code that made the case.
template <int Layers, act_kind A, loss_kind L>
constexpr auto loss() {
    constexpr auto z = logits<Layers, A>();
    if constexpr (L == loss_kind::mse_act)
        return mse_loss(activation<A>(z), t);  // F.mse_loss(act(z), t), one layer
    else if constexpr (L == loss_kind::mse_mean)
        return mse_loss(sigmoid(z), t);  // F.mse_loss(o, t)
    else if constexpr (L == loss_kind::half_sse)
        return 0.5_c * sum(pow<2>(sigmoid(z) - t));  // 0.5 * ((o - t) ** 2).sum()
    else if constexpr (L == loss_kind::bce)
        return binary_cross_entropy(sigmoid(z), t);  // F.binary_cross_entropy(o, t)
    else if constexpr (L == loss_kind::bce_logits)
        return binary_cross_entropy_with_logits(z, t);  // F.binary_cross_entropy_with_logits(z, t)
    else
        return cross_entropy(z, y);  // F.cross_entropy(z, y)
}

/// The variables differentiated, and the fields their gradients fill.
template <int Layers>
constexpr auto variables() {
    if constexpr (Layers == 1)
        return std::make_tuple(w, b, x);
    else
        return std::make_tuple(w1, b1, w2, b2, x);
}
template <int Layers>
constexpr auto fields() {
    if constexpr (Layers == 1)
        return std::array{f_w1, f_b1, f_x};
    else
        return std::array{f_w1, f_b1, f_w2, f_b2, f_x};
}
}  // namespace model

template <int Layers, act_kind A, loss_kind L>
struct model_type {
    static constexpr int layers = Layers;
    static constexpr bool cross_entropy = L == loss_kind::cross_entropy;
    static constexpr auto E = model::loss<Layers, A, L>();
};

/// A case's inputs as T, rounded to `precision` first (so the reference evaluator, in double,
/// sees a float32 computation's inputs).
template <class T>
struct inputs {
    std::vector<T> x, w1, b1, w2, b2, t, y;
    inputs(const layer_case& c, dtype precision)
        : x(as(c.x, precision)),
          w1(as(c.w1, precision)),
          b1(as(c.b1, precision)),
          w2(as(c.w2, precision)),
          b2(as(c.b2, precision)),
          t(as(c.t, precision)),
          y(as(c.y, precision)) {}
    static std::vector<T> as(const std::vector<double>& v, dtype precision) {
        std::vector<T> out(v.size());
        std::transform(v.begin(), v.end(), out.begin(), [&](double e) {
            return static_cast<T>(precision == dtype::float32 ? static_cast<double>(static_cast<float>(e)) : e);
        });
        return out;
    }
};

/// The bindings of the variables the loss of M uses: x, then t or y, then the layers.
template <class M, class T>
auto bindings_of(const layer_case& c, const inputs<T>& in) {
    using namespace model;
    const std::size_t B = c.B, N = c.N, H = c.H, K = c.K;
    auto target = [&] {
        if constexpr (M::cross_entropy)
            return std::make_tuple(ctgrad::bind(y, in.y.data(), {B}));
        else
            return std::make_tuple(ctgrad::bind(t, in.t.data(), {B, K}));
    }();
    auto layers = [&] {
        if constexpr (M::layers == 1)
            return std::make_tuple(ctgrad::bind(w, in.w1.data(), {K, N}), ctgrad::bind(b, in.b1.data(), {K}));
        else
            return std::make_tuple(ctgrad::bind(w1, in.w1.data(), {H, N}), ctgrad::bind(b1, in.b1.data(), {H}),
                                   ctgrad::bind(w2, in.w2.data(), {K, H}), ctgrad::bind(b2, in.b2.data(), {K}));
    }();
    return std::tuple_cat(std::make_tuple(ctgrad::bind(x, in.x.data(), {B, N})), target, layers);
}

/// grad(E, v) by the reference evaluator, row-major as v.
template <class E, class V, class... Bs>
std::vector<double> reference_gradient(const E& e, const V& v, const Bs&... bs) {
    const auto g = ctgrad::grad(e, v);
    static_assert(std::is_same_v<ctgrad::shape_of_t<decltype(g)>, ctgrad::shape_of_t<V>>,
                  "the gradient's axes are in the variable's order: its values are row-major as v's");
    return ctgrad::reference::evaluate(g, bs...).values;
}

/// The results of the reference evaluator: loss and each grad(E, v), node by node in double,
/// on the inputs rounded to `precision`.
template <class M>
results reference_results(const layer_case& c, dtype precision) {
    const inputs<double> in(c, precision);
    results r;
    std::apply(
        [&](const auto&... bs) {
            r.loss_value = ctgrad::reference::evaluate_scalar(M::E, bs...);
            std::size_t i = 0;
            std::apply(
                [&](const auto&... v) {
                    ((r.grad[model::fields<M::layers>()[i++]] = reference_gradient(M::E, v, bs...)), ...);
                },
                model::variables<M::layers>());
        },
        bindings_of<M>(c, in));
    return r;
}

/// The results of value_and_grad(E, wrt(variables...)) in precision T.
template <class M, class T>
results fused_results(const layer_case& c) {
    static constexpr auto step = std::apply([](auto... v) { return ctgrad::value_and_grad(M::E, ctgrad::wrt(v...)); },
                                            model::variables<M::layers>());
    const inputs<T> in(c, std::is_same_v<T, float> ? dtype::float32 : dtype::float64);
    std::array<std::vector<T>, 5> buffers;
    for (std::size_t f = 0; f < buffers.size(); ++f)
        buffers[f].resize(c.sizes()[f]);
    constexpr auto fields = model::fields<M::layers>();
    const auto gradients = [&]<std::size_t... I>(std::index_sequence<I...>) {
        return std::tie(buffers[fields[I]]...);
    }
    (std::make_index_sequence<fields.size()>{});
    T loss{};
    const ctgrad::status s = std::apply([&](auto&&... a) { return step.try_evaluate(loss, a...); },
                                        std::tuple_cat(bindings_of<M>(c, in), gradients));
    if (!s.ok())  // parse_case has checked every length: this is not expected
        throw input_error(detail::cat("case '", c.name, "': ", s.message()));
    results r;
    r.loss_value = static_cast<double>(loss);
    for (std::size_t f = 0; f < buffers.size(); ++f)
        r.grad[f].assign(buffers[f].begin(), buffers[f].end());
    return r;
}

/// How a case is evaluated: by value_and_grad (the fused lowering, in float or double), or by
/// the reference evaluator (in double, on the inputs rounded to the precision).
enum class method { value_and_grad, reference };

/// The results of case `c`, computed in `precision` by `method`.
using runner = results (*)(const layer_case& c, dtype precision);

/// The program of model type I of the table Keys (`model_keys[I]`, or the GELU cases' keys)
/// by method Mth.
template <method Mth, const auto& Keys, std::size_t I>
results run(const layer_case& c, dtype precision) {
    constexpr model_key key = Keys[I];
    using M = model_type<key.layers, key.act, key.loss>;
    if constexpr (Mth == method::reference)
        return reference_results<M>(c, precision);
    else
        return precision == dtype::float32 ? fused_results<M, float>(c) : fused_results<M, double>(c);
}

/// Evaluates case `c` in precision `precision` (the case's own dtype, or the other one) with
/// the program of its model type, chosen at run time. (evaluate<method::value_and_grad>
/// instantiates all 38 programs: evaluate_compiled runs the library's copy.)
template <method Mth>
results evaluate(const layer_case& c, dtype precision) {
    static constexpr auto programs = []<std::size_t... I>(std::index_sequence<I...>) {
        return std::array<runner, sizeof...(I)>{&run<Mth, model_keys, I>...};
    }
    (std::make_index_sequence<model_keys.size()>{});
    return programs.at(c.model)(c, precision);
}

// ---------------------------------------------------------------------------------------
// Condition scales
//
// m of each result element: a first-order bound of its rounding error in units of the unit
// roundoff u (any evaluation with unit roundoff u is within about u m of the exact value),
// computed in double from the case's inputs, as parity::condition_scales does for the
// perceptron, here by propagating bounds through the model. Each value v gets a bound e_v: its
// own rounding (|v|, or the sum of the magnitudes of its terms for a sum or product) plus the
// bounds of its operands times the magnitude of its partial derivatives. The inputs count as
// rounded (a float64 case computed in float32 rounds them): |x·w| terms carry that.
//   z1 = x·W1ᵀ + b1       e = Σ_n |x w1| + |b1|
//   a = act(z1)           e = |a| (no rounding for relu) + |act'(z1)| e_z1
//   act'(z1)              e: sigmoid |1−2a| e_a + 2 a'  (from the output, as PyTorch and ctgrad)
//                            tanh    2|a| e_a + 1        (1 − a², from the output)
//                            relu    0                   (the data keep z1 = 0 or |z1| >= 1e-5 Σ|terms|)
//                            softplus σ'(z1) e_z1 + σ(z1)
//                            gelu    see `activate` (the tanh approximation, term by term)
//   z2 = a·W2ᵀ + b2       e = Σ_h (|w2| e_a + |a w2|) + |b2|
//   the head: the loss ℓ and d = ∂loss/∂z2, with bounds e_ℓ, e_d (see `loss_head`)
//   backward: G = ∂/∂z2 = d;  ∂/∂a = G·W2 (e = Σ_k e_G |w2| + |G w2|);  g1 = ∂/∂z1 = (G·W2) act'(z1)
//   m[grad_w2] = Σ_b (e_d |a| + |d| e_a + |d a|)   m[grad_b2] = Σ_b (e_d + |d|)
//   m[grad_w1] = Σ_b (e_g1 |x| + |g1 x|)  m[grad_b1] = Σ_b (e_g1 + |g1|)  m[grad_x] = Σ_h (e_g1 |w1| + |g1 w1|)
// For one layer, z2 = z1 and g1 = d. The perceptron's m is the special case of one layer and a
// sigmoid head (the same terms, and a |d| per sum more).

struct act_point {
    double a, ea;    // act(z) and its error bound
    double da, eda;  // act'(z) and its error bound
};

inline act_point activate(act_kind k, double z, double ez) {
    const auto sigma = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
    switch (k) {
        case act_kind::sigmoid: {
            const double a = sigma(z), da = a * (1 - a), ea = a + da * ez;
            return {a, ea, da, std::fabs(1 - 2 * a) * ea + 2 * da};
        }
        case act_kind::tanh: {
            const double a = std::tanh(z), da = 1 - a * a, ea = std::fabs(a) + da * ez;
            return {a, ea, da, 2 * std::fabs(a) * ea + 1};
        }
        case act_kind::relu:
            return z > 0 ? act_point{z, ez, 1, 0} : act_point{0, 0, 0, 0};
        case act_kind::softplus: {
            const double a = std::fmax(z, 0) + std::log1p(std::exp(-std::fabs(z))), s = sigma(z);
            return {a, a + s * ez, s, s * (1 - s) * ez + s};
        }
        case act_kind::gelu: {
            // a = ½ z (1 + th), th = tanh(u), u = c0 (z + c1 z³); a' = ½ (1 + th) + ½ z (1 − th²) u',
            // u' = c0 (1 + 3 c1 z²) (ctgrad's derivative and PyTorch's backward, term by term). Each
            // product or sum of terms rounds by the magnitudes of its terms, a few of them each.
            constexpr double c0 = 0.7978845608028654, c1 = 0.044715;  // √(2/π)
            const double az = std::fabs(z), z2 = z * z;
            const double u = c0 * (z + c1 * z2 * z), du = c0 * (1 + 3 * c1 * z2);
            const double eu = 4 * c0 * (az + c1 * z2 * az) + du * ez;
            const double th = std::tanh(u), s = 1 - th * th;
            const double eth = std::fabs(th) + s * eu;
            const double a = 0.5 * z * (1 + th);
            const double ea = std::fabs(a) + 0.5 * az * (1 + std::fabs(th) + eth) + 0.5 * (1 + th) * ez;
            const double left = 0.5 * (1 + th), right = 0.5 * z * s * du, da = left + right;
            const double eleft = 0.5 * (1 + std::fabs(th) + eth);
            const double eright = 4 * std::fabs(right) + 0.5 * az * du * (2 * std::fabs(th) * eth + 1 + th * th) +
                                  0.5 * az * s * 4 * c0 * (1 + 3 * c1 * z2) +
                                  0.5 * s * (du + az * c0 * 6 * c1 * az) * ez;
            return {a, ea, da, eleft + eright + std::fabs(da)};
        }
        case act_kind::none:
            break;
    }
    return {z, ez, 1, 0};
}

struct head {
    std::vector<double> d, ed;  // ∂loss/∂z2 (B×K) and its bounds
    double e_loss = 0;          // the loss value's bound
};

/// The loss and its derivative with respect to the logits z (B×K, bounds ez):
///   sigmoid heads, o = σ(z), s = o (1 − o), e_o = o + s e_z (parity::sigmoid_head, shared with
///   the perceptron cases, has the formulas):
///     mse_mean, half_sse: as parity::condition_scales (c = 2/(BK) or 1, c' = 1/(BK) or 1/2)
///     bce (c = 1/(BK)): d = c (o − t), e_d = c (e_o + |t| + 4|o − t|) (PyTorch divides by o(1 − o)
///       and multiplies by it again)
///     bce_logits (c = 1/(BK)): d = c (σ − t), e_d = c (e_σ + |t| + 2|σ − t|)
///   mse_act (one layer), o = act(z) with bound e_a, a' = act'(z) with bound e_a', c = 2/(BK):
///     d = c (o − t) a', e_d = c (a' (e_a + |t| + |o − t|) + |o − t| e_a' + |(o − t) a'|),
///     e_ℓ = (2|o − t| (e_a + |t|) + (o − t)²) / (BK)
///   cross_entropy, per sample, lse = log Σ_j exp z_j, p = softmax(z), ℓ = lse − z_y:
///     e_lse = Σ_j p_j (e_zj + |z_j − max z| + 2) + |lse|, e_(z_k − lse) = e_zk + e_lse + |z_k − lse|,
///     e_p_k = p_k (e_(z_k − lse) + 1), d_k = (p_k − [k = y]) / B, e_d = (e_p + |p_k − [k = y]|) / B,
///     e_ℓ = e_lse + e_zy + 2|ℓ|, all over B.
inline head loss_head(const layer_case& c, const std::vector<double>& z, const std::vector<double>& ez) {
    const std::size_t B = c.B, K = c.K;
    head h{std::vector<double>(B * K), std::vector<double>(B * K), 0};
    if (c.loss == loss_kind::cross_entropy) {
        for (std::size_t bi = 0; bi < B; ++bi) {
            const double* zr = &z[bi * K];
            const double* er = &ez[bi * K];
            const double zmax = *std::max_element(zr, zr + K);
            double total = 0;
            for (std::size_t k = 0; k < K; ++k)
                total += std::exp(zr[k] - zmax);
            const double lse = zmax + std::log(total);
            double e_lse = std::fabs(lse);
            for (std::size_t k = 0; k < K; ++k)
                e_lse += std::exp(zr[k] - lse) * (er[k] + std::fabs(zr[k] - zmax) + 2);
            const auto yi = static_cast<std::size_t>(c.y[bi]);
            for (std::size_t k = 0; k < K; ++k) {
                const double p = std::exp(zr[k] - lse), delta = k == yi ? 1.0 : 0.0;
                const double ep = p * (er[k] + e_lse + std::fabs(zr[k] - lse) + 1);
                h.d[bi * K + k] = (p - delta) / static_cast<double>(B);
                h.ed[bi * K + k] = (ep + std::fabs(p - delta)) / static_cast<double>(B);
            }
            h.e_loss += (e_lse + er[yi] + 2 * std::fabs(lse - zr[yi])) / static_cast<double>(B);
        }
        return h;
    }
    const double BK = static_cast<double>(B * K);
    for (std::size_t i = 0; i < B * K; ++i) {
        const double t = c.t[i];
        if (c.loss == loss_kind::mse_act) {
            const act_point p = activate(c.act, z[i], ez[i]);
            const double ot = std::fabs(p.a - t), cg = 2.0 / BK;
            h.d[i] = cg * (p.a - t) * p.da;
            h.ed[i] = cg * (p.da * (p.ea + std::fabs(t) + ot) + ot * p.eda + std::fabs((p.a - t) * p.da));
            h.e_loss += (2 * ot * (p.ea + std::fabs(t)) + ot * ot) / BK;
            continue;
        }
        const bool mse = c.loss == loss_kind::mse_mean;
        const head_kind kind = c.loss == loss_kind::bce          ? head_kind::bce
                               : c.loss == loss_kind::bce_logits ? head_kind::bce_logits
                                                                 : head_kind::squared;
        const double cg = c.loss == loss_kind::half_sse ? 1.0 : mse ? 2.0 / BK : 1.0 / BK;
        const double cl = c.loss == loss_kind::half_sse ? 0.5 : 1.0 / BK;
        const head_terms ht = sigmoid_head(kind, cg, cl, z[i], ez[i], t);
        h.d[i] = ht.d;
        h.ed[i] = ht.ed;
        h.e_loss += ht.e_loss;
    }
    return h;
}

/// The forward pass of a case in double, with the bounds of its values.
struct forward_bounds {
    std::vector<double> z1, ez1;  ///< x·W1ᵀ + b1 (B×width) and its sums of magnitudes
    std::vector<act_point> a;     ///< act(z1) and act'(z1) with their bounds (two layers; else empty)
    std::vector<double> z2, ez2;  ///< the logits (B×K) and their bounds: z1 for one layer
};

/// The forward pass of case `c` with its bounds (see above); for two layers, c.act's activation.
inline forward_bounds forward_pass(const layer_case& c) {
    const std::size_t B = c.B, N = c.N, H = c.width(), K = c.K;
    forward_bounds f;
    f.z1.assign(B * H, 0.0);
    f.ez1.assign(B * H, 0.0);
    for (std::size_t bi = 0; bi < B; ++bi)
        for (std::size_t h = 0; h < H; ++h) {
            double v = c.b1[h], e = std::fabs(c.b1[h]);
            for (std::size_t n = 0; n < N; ++n) {
                v += c.x[bi * N + n] * c.w1[h * N + n];
                e += std::fabs(c.x[bi * N + n] * c.w1[h * N + n]);
            }
            f.z1[bi * H + h] = v;
            f.ez1[bi * H + h] = e;
        }
    f.z2 = f.z1;
    f.ez2 = f.ez1;
    if (c.layers == 2) {
        f.a.resize(B * H);
        for (std::size_t i = 0; i < B * H; ++i)
            f.a[i] = activate(c.act, f.z1[i], f.ez1[i]);
        f.z2.assign(B * K, 0.0);
        f.ez2.assign(B * K, 0.0);
        for (std::size_t bi = 0; bi < B; ++bi)
            for (std::size_t k = 0; k < K; ++k) {
                double v = c.b2[k], e = std::fabs(c.b2[k]);
                for (std::size_t h = 0; h < H; ++h) {
                    const act_point& p = f.a[bi * H + h];
                    v += p.a * c.w2[k * H + h];
                    e += std::fabs(c.w2[k * H + h]) * p.ea + std::fabs(p.a * c.w2[k * H + h]);
                }
                f.z2[bi * K + k] = v;
                f.ez2[bi * K + k] = e;
            }
    }
    return f;
}

/// m of every result element of case `c` (see above).
inline results condition_scales(const layer_case& c) {
    const std::size_t B = c.B, N = c.N, H = c.width(), K = c.K;
    const bool two = c.layers == 2;
    const forward_bounds fw = forward_pass(c);
    const std::vector<act_point>& a = fw.a;
    const head hd = loss_head(c, fw.z2, fw.ez2);

    results m;
    m.loss_value = hd.e_loss;
    for (std::size_t f = 0; f < m.grad.size(); ++f)
        m.grad[f].assign(c.sizes()[f], 0.0);
    // Backward: g1 = ∂loss/∂z1 and its bounds.
    std::vector<double> g1 = hd.d, eg1 = hd.ed;
    if (two) {
        g1.assign(B * H, 0.0);
        eg1.assign(B * H, 0.0);
        for (std::size_t bi = 0; bi < B; ++bi)
            for (std::size_t k = 0; k < K; ++k) {
                const double d = hd.d[bi * K + k], ed = hd.ed[bi * K + k];
                m.grad[f_b2][k] += ed + std::fabs(d);
                for (std::size_t h = 0; h < H; ++h) {
                    const act_point& p = a[bi * H + h];
                    m.grad[f_w2][k * H + h] += ed * std::fabs(p.a) + std::fabs(d) * p.ea + std::fabs(d * p.a);
                }
            }
        for (std::size_t bi = 0; bi < B; ++bi)
            for (std::size_t h = 0; h < H; ++h) {
                double ga = 0, ega = 0;
                for (std::size_t k = 0; k < K; ++k) {
                    const double d = hd.d[bi * K + k], wkh = c.w2[k * H + h];
                    ga += d * wkh;
                    ega += hd.ed[bi * K + k] * std::fabs(wkh) + std::fabs(d * wkh);
                }
                const act_point& p = a[bi * H + h];
                g1[bi * H + h] = ga * p.da;
                eg1[bi * H + h] = p.da * ega + std::fabs(ga) * p.eda + std::fabs(ga * p.da);
            }
    }
    for (std::size_t bi = 0; bi < B; ++bi)
        for (std::size_t h = 0; h < H; ++h) {
            const double g = g1[bi * H + h], eg = eg1[bi * H + h];
            m.grad[f_b1][h] += eg + std::fabs(g);
            for (std::size_t n = 0; n < N; ++n) {
                const double xv = c.x[bi * N + n], wv = c.w1[h * N + n];
                m.grad[f_w1][h * N + n] += eg * std::fabs(xv) + std::fabs(g * xv);
                m.grad[f_x][bi * N + n] += eg * std::fabs(wv) + std::fabs(g * wv);
            }
        }
    return m;
}

// ---------------------------------------------------------------------------------------
// Comparison

/// How far a case's results are from the reference: the worst of its fields.
struct case_error {
    double error = 0;                  ///< the largest field error (NaN if any is NaN)
    std::string where = "loss_value";  ///< the worst field and element: "grad_w2[7]"
};

/// Compares the results `a` of case `c` with the reference results `r` (all fields present),
/// by the rule of parity::compare_values.
inline case_error compare(const layer_case& c, const results& a, const results& r, double floor) {
    const results m = condition_scales(c);
    case_error e;
    e.error = compare_values({a.loss_value}, {r.loss_value}, {m.loss_value}, floor).error;
    for (std::size_t f = 0; f < field_names.size(); ++f) {
        const field_error fe = compare_values(a.grad[f], r.grad[f], m.grad[f], floor);
        if (!std::isnan(e.error) && (std::isnan(fe.error) || fe.error > e.error))
            e = {fe.error, detail::cat(field_names[f], "[", std::to_string(fe.index), "]")};
    }
    return e;
}

/// What --check says of a case without every reference field: the first one missing, and
/// why it is needed; nullopt when the case has them all.
inline std::optional<std::string> missing_result(const layer_case& c) {
    const char* field = c.loss_value ? nullptr : "loss_value";
    for (std::size_t f = 0; f < field_names.size() && !field; ++f)
        if (c.sizes()[f] != 0 && !c.grad[f])
            field = field_names[f];
    if (!field)
        return std::nullopt;
    return detail::cat("field '", field,
                       "': missing (--check needs loss_value, grad_w1, grad_b1, grad_x and, with two layers, "
                       "grad_w2 and grad_b2)");
}

/// Does `c` carry every reference field?
inline bool has_reference(const layer_case& c) {
    return !missing_result(c);
}

/// The reference results of `c`; `has_reference(c)` must hold.
inline results reference_of(const layer_case& c) {
    results r;
    r.loss_value = *c.loss_value;
    for (std::size_t f = 0; f < field_names.size(); ++f)
        r.grad[f] = c.grad[f].value_or(std::vector<double>{});
    return r;
}

// ---------------------------------------------------------------------------------------
// Reading

inline void read_data(const detail::case_reader& r, layer_case& c, const char* loss_field);

/// Reads case number `index` (0-based) of a file called `file` (for messages).
inline layer_case parse_case(const nlohmann::json& j, std::size_t index, const std::string& file = "") {
    layer_case c;
    const detail::case_reader r = detail::open_case(j, index, file, c.name);
    c.type = detail::dtype_of(r);
    const std::size_t layers = r.extent("layers");
    if (layers > 2)
        r.fail("layers", detail::cat("must be 1 or 2, found ", std::to_string(layers)));
    c.layers = static_cast<int>(layers);
    const bool two = c.layers == 2;
    c.B = r.extent("B");
    c.N = r.extent("N");
    c.K = r.extent("K");
    if (two) {
        c.H = r.extent("H");
        c.act = static_cast<act_kind>(1 + r.choice("act", std::array{"sigmoid", "tanh", "relu", "softplus"}));
    } else {
        r.absent("H", "for one layer");
        r.absent("act", "for one layer");
    }
    c.loss = static_cast<loss_kind>(r.choice("loss", loss_names));
    const std::optional<std::size_t> model = model_index(c.layers, c.act, c.loss);
    if (!model)
        r.fail("loss", detail::cat("no model has loss '", loss_names[static_cast<std::size_t>(c.loss)], "' with ",
                                   two ? detail::cat("act '", act_names[static_cast<std::size_t>(c.act)], "'")
                                       : std::string("one layer"),
                                   " (the models: tests/data/README.md, \"Layer cases\")"));
    c.model = *model;
    read_data(r, c, "loss_value");
    return c;
}

/// Reads the arrays of case `c`, whose model (layers, act, loss) and extents are read: the
/// parameters, x, t or y, and the results (each optional; the loss value's field is called
/// `loss_field`).
inline void read_data(const detail::case_reader& r, layer_case& c, const char* loss_field) {
    const bool two = c.layers == 2;
    // The parameters and x, by `field` (the gradients' order), and their shapes.
    const std::array<std::size_t, 5> sizes = c.sizes();
    const std::array<const char*, 5> shapes =
        two ? std::array{"H*N", "H", "K*H", "K", "B*N"} : std::array{"K*N", "K", "", "", "B*N"};
    const std::array<std::vector<double>*, 5> values{&c.w1, &c.b1, &c.w2, &c.b2, &c.x};
    for (std::size_t f = 0; f < values.size(); ++f) {
        const char* name = std::array{"w1", "b1", "w2", "b2", "x"}[f];
        if (sizes[f] != 0)
            *values[f] = r.numbers(name, sizes[f], c.type, shapes[f]);
        else
            r.absent(name, "for one layer");
    }
    if (c.loss == loss_kind::cross_entropy) {
        c.y = r.numbers("y", c.B, c.type, "B");
        for (std::size_t i = 0; i < c.B; ++i)
            if (!(c.y[i] >= 0 && c.y[i] < static_cast<double>(c.K) && c.y[i] == std::floor(c.y[i])))
                r.fail("y", detail::cat("element ", std::to_string(i), " (", nlohmann::json(c.y[i]).dump(),
                                        ") is not a class index from 0 to K-1 = ", std::to_string(c.K - 1)));
        r.absent("t", "for cross_entropy");
    } else {
        c.t = r.numbers("t", detail::product(c.B, c.K), c.type, "B*K");
        r.absent("y", "without cross_entropy");
    }

    // Results: each optional, checked when present.
    if (r.present(loss_field))
        c.loss_value = r.number(loss_field, dtype::float64);
    for (std::size_t f = 0; f < field_names.size(); ++f) {
        if (sizes[f] == 0)
            r.absent(field_names[f], "for one layer");
        else if (r.present(field_names[f]))
            c.grad[f] = r.numbers(field_names[f], sizes[f], dtype::float64, shapes[f]);
    }
}

/// Reads the cases of a parsed file: {"cases": [...]}.
inline std::vector<layer_case> parse_cases(const nlohmann::json& j, const std::string& file = "") {
    return detail::parse_file(j, file, parse_case);
}

/// Reads and parses a file of layer cases.
inline std::vector<layer_case> load_cases(const std::string& path) {
    return parse_cases(detail::read_json(path), path);
}

/// Is `j` a file of layer cases? Yes when some case has a field "layers" (perceptron cases
/// have none).
inline bool is_layer_file(const nlohmann::json& j) {
    return detail::some_case_has(j, "layers");
}

}  // namespace parity::layers
