#pragma once
// The second benchmarked problem: a two-layer perceptron (one hidden layer of H sigmoids)
//   h = σ(x·W1ᵀ + b1)  (B×H),   o = σ(h·W2ᵀ + b2)  (B×K),   E = ½ Σ_bk (o_bk − t_bk)²
//   wanted: E, ∂E/∂W1 (H×N), ∂E/∂b1 (H), ∂E/∂W2 (K×H), ∂E/∂b2 (K)
// with x B×N, t B×K, W1 H×N, b1 H, W2 K×H, b2 K, all row-major. Built like problem.hpp's
// single-layer problem (whose random source, error measures and tolerances it shares): its
// size's name, the fixed-seed data and the result type. Closed forms of the gradients:
//   G2 = (O − T)∘O∘(1 − O),  dW2 = G2ᵀ·H,  db2 = Σ_rows G2,
//   G1 = (G2·W2)∘H∘(1 − H),  dW1 = G1ᵀ·X,  db1 = Σ_rows G1.
// Why a second problem: the single-layer one has a single product to fuse; here the hidden
// layer's activations H must be formed, kept and read back by the backward pass.

#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "problem.hpp"

namespace bench {

// One two-layer size: B samples, N features, H hidden units, K outputs.
struct size4 {
    std::size_t B, N, H, K;
};

// "B=256,N=784,H=64,K=10" (benchmarks/report.py parses exactly this; the H tells the problems apart).
inline std::string size_name(const size4& s) {
    return "B=" + std::to_string(s.B) + ",N=" + std::to_string(s.N) + ",H=" + std::to_string(s.H) +
           ",K=" + std::to_string(s.K);
}

template <class T>
struct two_layer_result;

// The data in precision T. x ~ N(0, 1), t ~ U[0, 1] as in the single-layer problem; the
// weights are scaled so that neither layer saturates its sigmoids (the gradients would vanish
// and the cross-check would compare near-zeros): W1 ~ N(0, 0.05²) gives x·W1ᵀ a standard
// deviation of about 1.4 at N = 784, W2 ~ N(0, 0.3²) about 1.3 at H = 64; b1, b2 ~ N(0, 0.05²).
// The numbers depend on the size only, so the float and double problems of one size hold the
// same numbers (and the double one, made directly, needs no conversion).
template <class T>
struct two_layer_problem {
    using value_type = T;
    using result_type = two_layer_result<T>;
    using reference_type = two_layer_result<double>;

    size4 size{};
    std::vector<T> x, t, w1, b1, w2, b2;

    explicit two_layer_problem(size4 s)
        : size(s), x(s.B * s.N), t(s.B * s.K), w1(s.H * s.N), b1(s.H), w2(s.K * s.H), b2(s.K) {
        random_source r(31337 + 1000003 * s.B + 1009 * s.N + 101 * s.H + s.K);
        r.normal(x, 1.0);
        r.normal(w1, 0.05);
        r.normal(b1, 0.05);
        r.normal(w2, 0.3);
        r.normal(b2, 0.05);
        r.uniform01(t);
    }
};

// What every implementation produces: the loss and the four gradients, in the order of the
// parameters (W1, b1, W2, b2), as gradients() lists them for problem.hpp's compare().
template <class T>
struct two_layer_result {
    T loss = 0;
    std::vector<T> dw1, db1, dw2, db2;
    explicit two_layer_result(size4 s) : dw1(s.H * s.N), db1(s.H), dw2(s.K * s.H), db2(s.K) {}

    static constexpr std::array<const char*, 4> gradient_names{"dw1", "db1", "dw2", "db2"};
    std::array<std::vector<T>*, 4> gradients() { return {&dw1, &db1, &dw2, &db2}; }
    std::array<const std::vector<T>*, 4> gradients() const { return {&dw1, &db1, &dw2, &db2}; }
};

}  // namespace bench
