#pragma once
// Deterministic randomness for the training examples: splitmix64, uniform doubles, Fisher-Yates
// permutations and the initial weights. Written out (not <random>'s distributions, whose
// algorithms the standard leaves to the library) so that examples/training/training_common.py
// reproduces every number: the split, the batch order and the initial weights PyTorch starts
// from in tests/tools/make_training_cases.py.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <utility>
#include <vector>

namespace training {

/// Steele, Lea and Flood's splitmix64: 64 bits of state, one addition and two multiplications
/// per number. The same sequence as `SplitMix64` in training_common.py.
class splitmix64 {
public:
    explicit splitmix64(std::uint64_t seed) : state_(seed) {}

    /// The next 64 random bits.
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }

    /// A double in [0, 1): the top 53 bits times 2^-53 (exact).
    double uniform() { return static_cast<double>(next() >> 11) * 0x1p-53; }

private:
    std::uint64_t state_;
};

/// A permutation of 0..n-1 by Fisher-Yates, from the last element down, j = next() mod (i + 1).
inline std::vector<std::size_t> permutation(std::size_t n, splitmix64& rng) {
    std::vector<std::size_t> p(n);
    std::iota(p.begin(), p.end(), std::size_t{0});
    for (std::size_t i = n; i-- > 1;) {
        const auto j = static_cast<std::size_t>(rng.next() % (i + 1));
        std::swap(p[i], p[j]);
    }
    return p;
}

/// `count` floats uniform in [-1/sqrt(fan_in), 1/sqrt(fan_in)), torch.nn.Linear's default
/// range. (2u - 1) is exact, so each value is rounded once, to double then to float.
inline std::vector<float> init_uniform(std::size_t count, std::size_t fan_in, splitmix64& rng) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
    std::vector<float> v(count);
    for (auto& e : v)
        e = static_cast<float>((2.0 * rng.uniform() - 1.0) * bound);
    return v;
}

}  // namespace training
