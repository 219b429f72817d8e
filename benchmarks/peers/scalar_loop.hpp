#pragma once
// Peer 2: the closed form as a careful C++ user writes it by hand, one row at a time:
//   z_k = b_k + Σ_n x_n w_kn,  o = 1/(1 + exp(−z)),  d = (o − t)·o·(1 − o),
//   E += ½(o − t)²,  dW_k += d·x,  db_k += d.
// Plain loops and std::exp, compiled with the same flags as everything else (the compiler may
// vectorise what it can without -ffast-math: the dW update, not the dot product). X is read
// once. Instantiated in double it is also the reference of the cross-check.

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "../problem.hpp"

namespace bench {

template <class T>
class scalar_loop {
public:
    explicit scalar_loop(const problem<T>& p) : p_(p) {}

    void run(result<T>& r) const {
        const std::size_t B = p_.size.B, N = p_.size.N, K = p_.size.K;
        const T* x = p_.x.data();
        const T* t = p_.t.data();
        const T* w = p_.w.data();
        const T* b = p_.b.data();
        T* dw = r.dw.data();
        T* db = r.db.data();
        std::fill(r.dw.begin(), r.dw.end(), T(0));
        std::fill(r.db.begin(), r.db.end(), T(0));
        T loss = 0;
        for (std::size_t i = 0; i < B; ++i) {
            const T* xi = x + i * N;
            for (std::size_t k = 0; k < K; ++k) {
                const T* wk = w + k * N;
                T z = b[k];
                for (std::size_t n = 0; n < N; ++n) z += xi[n] * wk[n];
                const T o = T(1) / (T(1) + std::exp(-z));
                const T e = o - t[i * K + k];
                const T d = e * o * (T(1) - o);
                loss += T(0.5) * e * e;
                T* dwk = dw + k * N;
                for (std::size_t n = 0; n < N; ++n) dwk[n] += d * xi[n];
                db[k] += d;
            }
        }
        r.loss = loss;
    }

private:
    const problem<T>& p_;
};

}  // namespace bench
