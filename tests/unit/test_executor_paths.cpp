// Which kernels of the one executor a model takes: the plan's traits, pinned at compile time
// for the models of the examples and for models built differently, and the run-time choices
// (rows in scalars, stored gradients, tile shapes) pinned for the data sizes that decide them.

#include <catch2/catch.hpp>
#include <ctgrad/ctgrad.hpp>
#include <type_traits>
#include <vector>

namespace {
using namespace ctgrad;
using namespace ctgrad::literals;

constexpr axis<"n"> n;
constexpr axis<"k"> k;
constexpr axis<"h"> h;
constexpr auto x = input<"x">(batch, n);
constexpr auto t = input<"t">(batch, k);
constexpr auto y = input<"y">(batch);
constexpr auto w = parameter<"w">(k, n);
constexpr auto b = parameter<"b">(k);
constexpr auto w1 = parameter<"w1">(h, n);
constexpr auto w2 = parameter<"w2">(k, h);
constexpr auto z = matmul(x, transpose(w)) + b;
constexpr auto o = sigmoid(z);

template <class L, class... V>
using plan_t = detail::plan<L, V...>;
template <class L, class... V>
using exec_t = detail::executor<plan_t<L, V...>, double>;

// A perceptron and its losses: one grid, products of bound data only: column tiles.
using perceptron = plan_t<decltype(mse_loss(o, t)), decltype(w), decltype(b)>;
static_assert(perceptron::column_tiles);
static_assert(perceptron::one_term_per_output);
static_assert(perceptron::levels == 2);  // the product z, then the elementwise rest
static_assert(plan_t<decltype(binary_cross_entropy_with_logits(z, t)), decltype(w)>::column_tiles);
// A hidden layer: the second product reads a computed value, whole rows: no column tiles.
constexpr auto two_layer = mse_loss(matmul(tanh(matmul(x, transpose(w1))), transpose(w2)), t);
using layered = plan_t<decltype(two_layer), decltype(w1), decltype(w2)>;
static_assert(!layered::column_tiles);
static_assert(layered::levels == 4);  // z1 = x·w1ᵀ, z2 = tanh(z1)·w2ᵀ, the backward g2·w2, then G1
// Cross-entropy on class indices: a row log-sum-exp and a one-hot: no column tiles.
static_assert(!plan_t<decltype(cross_entropy(z, y)), decltype(w)>::column_tiles);
// A per-row value beside the grid (a stage of another shape): no column tiles.
static_assert(!plan_t<decltype(sum(o) + sum(pow<2>(y))), decltype(w), decltype(y)>::column_tiles);

template <class Exec, class... B>
typename Exec::state resolve(const B&... bs) {
    typename Exec::state st;
    const status s = detail::resolve_bindings<typename Exec::plan::variables, typename Exec::plan::all_axes>(
        st, std::forward_as_tuple(bs...));
    REQUIRE(s.ok());
    return st;
}
}  // namespace

TEST_CASE("executor: one sample, a few outputs, in scalars with stored gradients", "[executor]") {
    using E = exec_t<decltype(mse_loss(o, t)), decltype(w), decltype(b)>;
    constexpr std::size_t W = lowering::width<double>;
    for (std::size_t K : {1, 2, 3, 4, 5, 9}) {
        INFO("K = " << K);
        std::vector<double> xs(10), ts(K), ws(K * 10), bs(K);
        const auto st = resolve<E>(bind(x, xs), bind(t, ts), bind(w, ws), bind(b, bs));
        // One row of up to four outputs, whatever the vector width (none in the scalar build).
        CHECK(E::rows_in_scalars(st) == (W >= 2 && K <= std::max<std::size_t>(W / 4, 4)));
        CHECK(E::overwrites_gradients(st));  // one row: stored, whatever the path
    }
    for (std::size_t K : {1, 2, 3}) {  // two samples: a quarter vector or two elements in all
        INFO("two samples, K = " << K);
        std::vector<double> xs(20), ts(2 * K), ws(K * 10), bs(K);
        const auto st = resolve<E>(bind(x, xs), bind(t, ts), bind(w, ws), bind(b, bs));
        CHECK(E::rows_in_scalars(st) == (W >= 2 && 2 * K <= std::max<std::size_t>(W / 4, 2)));
        CHECK_FALSE(E::overwrites_gradients(st));  // added into zeroed buffers
    }
}

TEST_CASE("executor: tiles of a perceptron keep x's rows within the row budget", "[executor]") {
    using E = exec_t<decltype(mse_loss(o, t)), decltype(w), decltype(b)>;
    const std::size_t B = 1000, N = 784, K = 5;
    std::vector<double> xs(B * N), ts(B * K), ws(K * N), bs(K);
    const auto st = resolve<E>(bind(x, xs), bind(t, ts), bind(w, ws), bind(b, bs));
    const auto tile = E::tile_shape(st);
    CHECK(tile.C == K);
    CHECK(tile.R * N * sizeof(double) <= E::row_budget);
    CHECK(tile.R * K <= E::elements);
    CHECK_FALSE(E::rows_in_scalars(st));
}

TEST_CASE("executor: with many outputs, tiles take the rows of the blocked weight gradient", "[executor]") {
    using Step = exec_t<decltype(mse_loss(o, t)), decltype(w), decltype(b)>;
    using BiasOnly = exec_t<decltype(mse_loss(o, t)), decltype(b)>;  // no weight gradient: no reason to
    constexpr std::size_t blocked = lowering::detail::blocked_gradient_rows;
    const std::size_t B = 1000, N = 784;
    for (std::size_t K : {8, 10, 32}) {
        INFO("K = " << K);
        std::vector<double> xs(B * N), ts(B * K), ws(K * N), bs(K);
        const auto tile = Step::tile_shape(resolve<Step>(bind(x, xs), bind(t, ts), bind(w, ws), bind(b, bs)));
        CHECK(tile.R == blocked);  // past the row budget (4 rows of 784 doubles)
        CHECK(tile.R * K <= Step::cap);
        const auto bias_tile = BiasOnly::tile_shape(resolve<BiasOnly>(bind(x, xs), bind(t, ts), bind(w, ws), bind(b, bs)));
        CHECK(bias_tile.R * N * sizeof(double) <= BiasOnly::row_budget);
    }
    for (std::size_t K : {5, 33}) {  // few outputs; more than the buffers hold for 16 rows
        INFO("K = " << K);
        std::vector<double> xs(B * N), ts(B * K), ws(K * N), bs(K);
        const auto tile = Step::tile_shape(resolve<Step>(bind(x, xs), bind(t, ts), bind(w, ws), bind(b, bs)));
        CHECK(tile.R * N * sizeof(double) <= Step::row_budget);
    }
}

TEST_CASE("executor: rows wider than a tile are split into column tiles", "[executor]") {
    using E = exec_t<decltype(mse_loss(o, t)), decltype(w), decltype(b)>;
    const std::size_t B = 3, N = 5, K = E::elements + 7;
    std::vector<double> xs(B * N), ts(B * K), ws(K * N), bs(K);
    const auto st = resolve<E>(bind(x, xs), bind(t, ts), bind(w, ws), bind(b, bs));
    const auto tile = E::tile_shape(st);
    CHECK(tile.R == 1);
    CHECK(tile.C == E::elements);
    CHECK(E::check(st).ok());
}

TEST_CASE("executor: a layer wider than a tile is refused where rows cannot be split", "[executor]") {
    using E = exec_t<decltype(two_layer), decltype(w1), decltype(w2)>;
    const std::size_t B = 2, N = 3, H = E::cap + 1, K = 2;
    std::vector<double> xs(B * N), ts(B * K), w1s(H * N), w2s(K * H);
    const auto st = resolve<E>(bind(x, xs.data(), {B, N}), bind(t, ts.data(), {B, K}), bind(w1, w1s.data(), {H, N}),
                               bind(w2, w2s.data(), {K, H}));
    CHECK(E::check(st).code == errc::extent_too_large);
}

namespace {
// The loss and gradients of a perceptron whose feature and output axes are static (N, K):
// its extents are constants the kernels fold (tile_columns, extent_of). Compared with the
// same model on dynamic axes, on the same data.
template <std::size_t N, std::size_t K>
void check_static_extents_match_dynamic(std::size_t rows) {
    constexpr axis<"n", N> ns;
    constexpr axis<"k", K> ks;
    constexpr auto xs_ = input<"x">(batch, ns);
    constexpr auto ts_ = input<"t">(batch, ks);
    constexpr auto ws_ = parameter<"w">(ks, ns);
    constexpr auto static_loss = mse_loss(sigmoid(matmul(xs_, transpose(ws_))), ts_);
    constexpr auto dynamic_loss = mse_loss(sigmoid(matmul(x, transpose(w))), t);
    std::vector<double> xv(rows * N), tv(rows * K), wv(K * N);
    for (std::size_t i = 0; i < xv.size(); ++i)
        xv[i] = static_cast<double>((i * 7) % 11) / 11.0 - 0.5;
    for (std::size_t i = 0; i < tv.size(); ++i)
        tv[i] = static_cast<double>(i % 2);
    for (std::size_t i = 0; i < wv.size(); ++i)
        wv[i] = static_cast<double>((i * 5) % 13) / 13.0 - 0.5;
    std::vector<double> dw_static(wv.size()), dw_dynamic(wv.size());
    const auto [l_static, g_static] =
        value_and_grad(static_loss, wrt(ws_))(bind(xs_, xv), bind(ts_, tv), bind(ws_, wv), dw_static);
    const auto [l_dynamic, g_dynamic] = value_and_grad(dynamic_loss, wrt(w))(
        bind(x, xv.data(), {rows, N}), bind(t, tv.data(), {rows, K}), bind(w, wv.data(), {K, N}), dw_dynamic);
    CHECK(l_static == Approx(l_dynamic).epsilon(1e-12));
    for (std::size_t i = 0; i < wv.size(); ++i)
        CHECK(g_static[i] == Approx(g_dynamic[i]).epsilon(1e-12).margin(1e-15));
}
}  // namespace

TEST_CASE("executor: static extents give the dynamic extents' loss and gradients", "[executor]") {
    for (std::size_t rows : {1, 7, 40}) {
        INFO("rows = " << rows);
        check_static_extents_match_dynamic<10, 1>(rows);  // the lecture's model
        check_static_extents_match_dynamic<37, 2>(rows);  // every vector step and a tail
        check_static_extents_match_dynamic<70, 3>(rows);
        check_static_extents_match_dynamic<37, 5>(rows);  // four columns at a time, then one
    }
}

TEST_CASE("executor: short rows with many outputs take the outputs-in-lanes kernels", "[executor]") {
    using E = exec_t<decltype(mse_loss(o, t)), decltype(w), decltype(b)>;
    constexpr bool simd = lowering::width<double> > 1;
    const auto bound = [](std::size_t B, std::size_t N, std::size_t K) {
        static std::vector<double> xs, ts, ws, bs;
        xs.assign(B * N, 0), ts.assign(B * K, 0), ws.assign(K * N, 0), bs.assign(K, 0);
        return resolve<E>(bind(x, xs.data(), {B, N}), bind(t, ts.data(), {B, K}), bind(w, ws.data(), {K, N}),
                          bind(b, bs));
    };
    // (64, 17, 32): each row of 17 against 32 outputs: 17 FMAs per vector of outputs, against 32
    // dot products of 17 elements and their reductions.
    CHECK(E::takes_outputs_in_lanes(bound(64, 17, 32), 17, 32, true) == simd);
    CHECK(lowering::detail::outputs_in_lanes<float>(17, 32) == (lowering::width<float> > 1));
    // Long rows and few outputs keep the dot products; so do one output and one row.
    CHECK_FALSE(E::takes_outputs_in_lanes(bound(64, 784, 10), 784, 10, true));
    CHECK_FALSE(lowering::detail::outputs_in_lanes<float>(784, 10));
    CHECK_FALSE(E::takes_outputs_in_lanes(bound(64, 17, 1), 17, 1, true));
    CHECK_FALSE(E::takes_outputs_in_lanes(bound(1, 17, 32), 17, 32, true));  // one row: the copies do not pay
    CHECK_FALSE(E::takes_outputs_in_lanes(bound(64, 17, 32), 17, 32, false));  // column tiles
    // The staged copies stay within their 64 KiB.
    CHECK_FALSE(lowering::detail::outputs_in_lanes<double>(4097, 2));

    // Which contractions may take them at all, decided at compile time (elsewhere neither the
    // call nor the copies' storage is compiled): here the product z = x·wᵀ and the weight term
    // of w, on dynamic extents; none in the scalar build.
    STATIC_REQUIRE(std::is_same_v<E::lanes_forward, detail::type_list<std::remove_cvref_t<decltype(matmul(x, transpose(w)))>>>
                   == simd);
    STATIC_REQUIRE(E::lanes_gradient::size == (simd ? 1 : 0));
    // Both products of the hidden layer, and the gradients of both weights.
    STATIC_REQUIRE(exec_t<decltype(two_layer), decltype(w1), decltype(w2)>::lanes_sites::size == (simd ? 4 : 0));
    // One static output, or static extents the cost model refuses: none.
    constexpr axis<"k", 1> one;
    constexpr axis<"n", 784> long_rows;
    constexpr axis<"k", 10> ten;
    constexpr auto w_one = parameter<"w">(one, n);
    constexpr auto t_one = input<"t">(batch, one);
    STATIC_REQUIRE(exec_t<decltype(mse_loss(matmul(x, transpose(w_one)), t_one)), decltype(w_one)>::lanes_slots == 0);
    constexpr auto x_long = input<"x">(batch, long_rows);
    constexpr auto w_long = parameter<"w">(ten, long_rows);
    constexpr auto t_ten = input<"t">(batch, ten);
    STATIC_REQUIRE(exec_t<decltype(mse_loss(matmul(x_long, transpose(w_long)), t_ten)), decltype(w_long)>::lanes_slots == 0);
}
