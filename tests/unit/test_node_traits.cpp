// The node traits of detail/node_traits.hpp, and the op tables' lookups: static_asserts
// (compiling is passing).
#include <type_traits>

#include <ctgrad/ctgrad.hpp>

using namespace ctgrad;

namespace {
using namespace ctgrad::detail;
using N = axis<"n", 10>;
using K = axis<"k", 2>;

// axis_at: the I-th axis, void out of range.
static_assert(std::is_same_v<shape_traits::axis_at_t<axes<batch_axis, N, K>, 0>, batch_axis>);
static_assert(std::is_same_v<shape_traits::axis_at_t<axes<batch_axis, N, K>, 2>, K>);
static_assert(std::is_void_v<shape_traits::axis_at_t<axes<batch_axis, N, K>, 3>>);
static_assert(std::is_void_v<shape_traits::axis_at_t<axes<>, 0>>);
static_assert(std::is_same_v<shape_traits::last_axis_t<axes<batch_axis, N>>, N>);
static_assert(std::is_void_v<shape_traits::last_axis_t<axes<>>>);

// Which operation a tag is.
static_assert(is_one_hot_v<one_hot_fn<K>> && !is_one_hot_v<logsumexp_fn<axes<K>>>);
static_assert(is_logsumexp_v<logsumexp_fn<axes<K>>> && !is_logsumexp_v<reduce_sum_fn<axes<K>>>);
static_assert(std::is_same_v<reduce_sum_axes_t<reduce_sum_fn<axes<K>>>, axes<K>>);
static_assert(std::is_void_v<reduce_sum_axes_t<reduce_mean_fn<axes<K>>>>);
static_assert(std::is_same_v<inverse_size<axes<K>>::over, axes<K>>);

// The tables: each operation's shape rule, found by its tag.
constexpr auto x = input<"x">(batch, N{});
constexpr auto w = parameter<"w">(K{}, N{});
static_assert(std::is_same_v<shape_of_t<decltype(matmul(x, transpose(w)))>, axes<batch_axis, K>>);
static_assert(std::is_same_v<shape_of_t<decltype(logsumexp(matmul(x, transpose(w)), K{}))>, axes<batch_axis>>);
static_assert(std::is_same_v<shape_of_t<decltype(sum_over(x, batch))>, axes<N>>);
static_assert(std::is_same_v<shape_of_t<decltype(mean(x))>, axes<>>);
static_assert(std::is_same_v<shape_of_t<decltype(gelu(x))>, axes<batch_axis, N>>);
}  // namespace
