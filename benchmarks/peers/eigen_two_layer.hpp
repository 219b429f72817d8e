#pragma once
// Peer 3 on the two-layer problem: Eigen, the closed form with matrix products, built from
// eigen.hpp's layer steps:
//   H = σ(X·W1ᵀ + b1),  O = σ(H·W2ᵀ + b2),  G2 = (O − T)∘O∘(1 − O),  E = ½‖O − T‖²,
//   dW2 = G2ᵀ·H,  db2 = Σ_rows G2,  G1 = (G2·W2)∘H∘(1 − H),  dW1 = G1ᵀ·X,  db1 = Σ_rows G1.
// Maps over the problem's buffers, H, O, G1, G2 allocated once in the constructor, noalias()
// on the products; every intermediate makes a round trip through memory. Single-threaded.
// Only compiled when CTGRAD_BENCH_HAVE_EIGEN is defined.

#include "../two_layer_problem.hpp"
#include "eigen.hpp"

namespace bench {

template <class T>
class eigen_two_layer {
public:
    explicit eigen_two_layer(const two_layer_problem<T>& p)
        : data_(p),
          W1_(eigen::view(p.w1, p.size.H, p.size.N)),
          W2_(eigen::view(p.w2, p.size.K, p.size.H)),
          b1_(eigen::view(p.b1)),
          b2_(eigen::view(p.b2)),
          H_(Eigen::Index(p.size.B), Eigen::Index(p.size.H)),
          G1_(Eigen::Index(p.size.B), Eigen::Index(p.size.H)),
          O_(Eigen::Index(p.size.B), Eigen::Index(p.size.K)),
          G2_(Eigen::Index(p.size.B), Eigen::Index(p.size.K)) {}

    void run(two_layer_result<T>& r) {
        eigen::sigmoid_layer(H_, data_.x, W1_, b1_);
        eigen::sigmoid_layer(O_, H_, W2_, b2_);
        r.loss = eigen::output_error(G2_, O_, data_.t);
        eigen::layer_gradients(G2_, H_, eigen::view(r.dw2, W2_.rows(), W2_.cols()), eigen::view(r.db2));
        G1_.noalias() = G2_ * W2_;  // ∂E/∂H, then ∂E/∂Z1 in place
        G1_ = (G1_.array() * H_.array() * (T(1) - H_.array())).matrix();
        eigen::layer_gradients(G1_, data_.x, eigen::view(r.dw1, W1_.rows(), W1_.cols()), eigen::view(r.db1));
    }

private:
    eigen::batch<T> data_;
    Eigen::Map<const eigen::matrix<T>> W1_, W2_;
    Eigen::Map<const eigen::row_vector<T>> b1_, b2_;
    eigen::matrix<T> H_, G1_, O_, G2_;
};

}  // namespace bench
