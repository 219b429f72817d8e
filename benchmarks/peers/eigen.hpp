#pragma once
// Peer 3: Eigen, the closed form with matrix products, as a careful Eigen user writes it:
//   Z = X·Wᵀ (+ b on every row), O = σ(Z), D = (O − T)∘O∘(1 − O),
//   E = ½‖O − T‖²,  dW = Dᵀ·X,  db = Σ_rows D.
// Eigen::Map over the problem's buffers (no copies), temporaries allocated once in the
// constructor, noalias() on the products. X is read twice (once per product) and Z/O/D make
// round trips through memory: the cost of not fusing. Single-threaded (no -fopenmp).
// Only compiled when CTGRAD_BENCH_HAVE_EIGEN is defined. The helpers in bench::eigen are the
// steps of a sigmoid layer, shared with the two-layer peer (eigen_two_layer.hpp).

#include <Eigen/Core>
#include <cstddef>
#include <vector>

#include "../problem.hpp"

namespace bench {

namespace eigen {

template <class T>
using matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using row_vector = Eigen::Matrix<T, 1, Eigen::Dynamic>;

// A problem's row-major buffer seen as a rows × cols matrix, or as a row vector (no copies).
template <class T>
Eigen::Map<const matrix<T>> view(const std::vector<T>& v, std::size_t rows, std::size_t cols) {
    return {v.data(), Eigen::Index(rows), Eigen::Index(cols)};
}
template <class T>
Eigen::Map<matrix<T>> view(std::vector<T>& v, std::size_t rows, std::size_t cols) {
    return {v.data(), Eigen::Index(rows), Eigen::Index(cols)};
}
template <class T>
Eigen::Map<const row_vector<T>> view(const std::vector<T>& v) {
    return {v.data(), Eigen::Index(v.size())};
}
template <class T>
Eigen::Map<row_vector<T>> view(std::vector<T>& v) {
    return {v.data(), Eigen::Index(v.size())};
}

// The batch of either problem, mapped: the inputs X (B×N) and the targets (B×K).
template <class T>
struct batch {
    Eigen::Map<const matrix<T>> x, t;
    template <class Problem>
    explicit batch(const Problem& p) : x(view(p.x, p.size.B, p.size.N)), t(view(p.t, p.size.B, p.size.K)) {}
};

// The forward step of a layer: A = σ(X·Wᵀ + b), formed in place in A.
template <class T, class X, class W, class B>
void sigmoid_layer(matrix<T>& A, const X& x, const W& w, const B& b) {
    A.noalias() = x * w.transpose();  // Z
    A.rowwise() += b;
    A = A.array().logistic().matrix();
}

// The output layer's error: D = (O − T)∘O∘(1 − O) = ∂E/∂Z; returns E = ½‖O − T‖².
template <class T, class Target>
T output_error(matrix<T>& D, const matrix<T>& O, const Target& t) {
    D = ((O - t).array() * O.array() * (T(1) - O.array())).matrix();
    return T(0.5) * (O - t).squaredNorm();
}

// The gradients of a layer's weights and bias from D = ∂E/∂Z and the layer's input X:
// dW = Dᵀ·X, db = Σ_rows D.
template <class D, class X, class DW, class DB>
void layer_gradients(const D& d, const X& x, DW&& dw, DB&& db) {
    dw.noalias() = d.transpose() * x;
    db.noalias() = d.colwise().sum();
}

}  // namespace eigen

template <class T>
class eigen_peer {
public:
    explicit eigen_peer(const problem<T>& p)
        : data_(p),
          W_(eigen::view(p.w, p.size.K, p.size.N)),
          b_(eigen::view(p.b)),
          O_(Eigen::Index(p.size.B), Eigen::Index(p.size.K)),
          D_(Eigen::Index(p.size.B), Eigen::Index(p.size.K)) {}

    void run(result<T>& r) {
        eigen::sigmoid_layer(O_, data_.x, W_, b_);  // O = σ(Z), Z formed in O
        r.loss = eigen::output_error(D_, O_, data_.t);
        eigen::layer_gradients(D_, data_.x, eigen::view(r.dw, W_.rows(), W_.cols()), eigen::view(r.db));
    }

private:
    eigen::batch<T> data_;
    Eigen::Map<const eigen::matrix<T>> W_;
    Eigen::Map<const eigen::row_vector<T>> b_;
    eigen::matrix<T> O_, D_;
};

}  // namespace bench
