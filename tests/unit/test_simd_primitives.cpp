// The SIMD primitives the kernels are built on, lane by lane, in the instruction set this
// translation unit is compiled for (CI builds it for SSE2, AVX2+FMA and AVX-512):
// vsum_each (xsimd 8.1's own haddp permutes lanes for 16 floats), the masked partial loads
// and stores of row tails and vstore_first's plain ones (nothing read or written past n).

#include <array>
#include <catch2/catch.hpp>
#include <ctgrad/lower/simd.hpp>
#include <vector>

namespace {
namespace lw = ctgrad::lowering;

template <class T>
void check_sum_each() {
    using V = lw::vec<T>;
    constexpr std::size_t W = lw::width<T>;
    std::array<V, W> rows;
    std::array<T, W> expected{};
    for (std::size_t l = 0; l < W; ++l) {
        alignas(64) T lanes[W];
        for (std::size_t j = 0; j < W; ++j) {
            lanes[j] = T(100 * l + j);
            expected[l] += lanes[j];
        }
        rows[l] = lw::vload<V>(lanes);
    }
    alignas(64) T out[W];
    lw::vstore(out, lw::detail::vsum_each(rows.data()));
    for (std::size_t l = 0; l < W; ++l) {
        INFO(lw::instruction_set << ", lane " << l);
        CHECK(out[l] == expected[l]);
    }
}

template <class T>
void check_partial() {
    using V = lw::vec<T>;
    constexpr std::size_t W = lw::width<T>;
    for (std::size_t n = 0; n < W; ++n) {
        INFO(lw::instruction_set << ", n = " << n);
        std::vector<T> src(2 * W, T(7)), dst(2 * W, T(-1));
        for (std::size_t i = 0; i < n; ++i)
            src[i] = T(i + 1);
        alignas(64) T lanes[W];
        lw::vstore(lanes, lw::detail::vload_partial<V>(src.data(), n));
        for (std::size_t l = 0; l < W; ++l)
            CHECK(lanes[l] == (l < n ? T(l + 1) : T(0)));  // lanes past n are zero, not src's 7
        lw::detail::vstore_partial(dst.data(), lw::vload<V>(src.data()), n);
        for (std::size_t i = 0; i < dst.size(); ++i)
            CHECK(dst[i] == (i < n ? T(i + 1) : T(-1)));  // nothing written past n
        // vstore_first: the same contract with plain stores of the register's halves, quarters,
        // pairs and one lane (every n < W takes a different combination of them).
        std::vector<T> first(2 * W, T(-1));
        lw::detail::vstore_first(first.data() + 1, lw::vload<V>(src.data()), n);  // unaligned
        for (std::size_t i = 0; i < first.size(); ++i)
            CHECK(first[i] == (i >= 1 && i <= n ? T(i) : T(-1)));
    }
}
}  // namespace

TEST_CASE("vsum_each sums each vector into its own lane", "[simd]") {
    check_sum_each<float>();
    check_sum_each<double>();
}

TEST_CASE("partial loads and stores touch only the first n elements", "[simd]") {
    check_partial<float>();
    check_partial<double>();
}
