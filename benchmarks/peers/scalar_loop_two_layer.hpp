#pragma once
// Peer 2 on the two-layer problem: the closed form by hand, one sample (row) at a time:
//   h_j = σ(b1_j + Σ_n x_n W1_jn),   o_k = σ(b2_k + Σ_j h_j W2_kj),
//   g2_k = (o_k − t_k)·o_k·(1 − o_k),  E += ½(o_k − t_k)²,  dW2_k += g2_k·h,  db2_k += g2_k,
//   g1_j = (Σ_k g2_k W2_kj)·h_j·(1 − h_j),  dW1_j += g1_j·x,  db1_j += g1_j.
// The row's h and g1 live in two H-long buffers allocated in the constructor; x is read twice
// per row (forward, then dW1), while the row is still in L1. Plain loops and std::exp as in
// scalar_loop.hpp. Instantiated in double it is the reference of the two-layer cross-check.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "../two_layer_problem.hpp"

namespace bench {

template <class T>
class scalar_loop_two_layer {
public:
    explicit scalar_loop_two_layer(const two_layer_problem<T>& p) : p_(p), h_(p.size.H), g1_(p.size.H) {}

    void run(two_layer_result<T>& r) {
        const std::size_t B = p_.size.B, N = p_.size.N, H = p_.size.H, K = p_.size.K;
        const T* w1 = p_.w1.data();
        const T* w2 = p_.w2.data();
        for (std::vector<T>* g : r.gradients()) std::fill(g->begin(), g->end(), T(0));
        T loss = 0;
        for (std::size_t i = 0; i < B; ++i) {
            const T* xi = p_.x.data() + i * N;
            const T* ti = p_.t.data() + i * K;
            for (std::size_t j = 0; j < H; ++j) {  // the hidden layer
                const T* w1j = w1 + j * N;
                T z = p_.b1[j];
                for (std::size_t n = 0; n < N; ++n) z += xi[n] * w1j[n];
                h_[j] = T(1) / (T(1) + std::exp(-z));
            }
            std::fill(g1_.begin(), g1_.end(), T(0));
            for (std::size_t k = 0; k < K; ++k) {  // the output layer, and its error sent back to h
                const T* w2k = w2 + k * H;
                T z = p_.b2[k];
                for (std::size_t j = 0; j < H; ++j) z += h_[j] * w2k[j];
                const T o = T(1) / (T(1) + std::exp(-z));
                const T e = o - ti[k];
                const T g2 = e * o * (T(1) - o);
                loss += T(0.5) * e * e;
                T* dw2k = r.dw2.data() + k * H;
                for (std::size_t j = 0; j < H; ++j) {
                    dw2k[j] += g2 * h_[j];
                    g1_[j] += g2 * w2k[j];
                }
                r.db2[k] += g2;
            }
            for (std::size_t j = 0; j < H; ++j) {  // the hidden layer's gradients
                const T g1 = g1_[j] * h_[j] * (T(1) - h_[j]);
                T* dw1j = r.dw1.data() + j * N;
                for (std::size_t n = 0; n < N; ++n) dw1j[n] += g1 * xi[n];
                r.db1[j] += g1;
            }
        }
        r.loss = loss;
    }

private:
    const two_layer_problem<T>& p_;
    std::vector<T> h_, g1_;  // this row's hidden activations and ∂E/∂h
};

}  // namespace bench
