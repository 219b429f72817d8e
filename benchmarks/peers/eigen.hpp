#pragma once
// Peer 3: Eigen, the closed form with matrix products, as a careful Eigen user writes it:
//   Z = X·Wᵀ (+ b on every row), O = σ(Z), D = (O − T)∘O∘(1 − O),
//   E = ½‖O − T‖²,  dW = Dᵀ·X,  db = Σ_rows D.
// Eigen::Map over the problem's buffers (no copies), temporaries allocated once in the
// constructor, noalias() on the products. X is read twice (once per product) and Z/O/D make
// round trips through memory: the cost of not fusing. Single-threaded (no -fopenmp).
// Only compiled when CTGRAD_BENCH_HAVE_EIGEN is defined.

#include <Eigen/Core>
#include <cstddef>

#include "../problem.hpp"

namespace bench {

template <class T>
class eigen_peer {
    using matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    using row_vector = Eigen::Matrix<T, 1, Eigen::Dynamic>;
    using const_matrix_map = Eigen::Map<const matrix>;
    using matrix_map = Eigen::Map<matrix>;
    using const_row_map = Eigen::Map<const row_vector>;
    using row_map = Eigen::Map<row_vector>;

public:
    explicit eigen_peer(const problem<T>& p)
        : X_(p.x.data(), Eigen::Index(p.size.B), Eigen::Index(p.size.N)),
          T_(p.t.data(), Eigen::Index(p.size.B), Eigen::Index(p.size.K)),
          W_(p.w.data(), Eigen::Index(p.size.K), Eigen::Index(p.size.N)),
          b_(p.b.data(), Eigen::Index(p.size.K)),
          O_(Eigen::Index(p.size.B), Eigen::Index(p.size.K)),
          D_(Eigen::Index(p.size.B), Eigen::Index(p.size.K)) {}

    void run(result<T>& r) {
        matrix_map dW(r.dw.data(), W_.rows(), W_.cols());
        row_map db(r.db.data(), b_.cols());
        O_.noalias() = X_ * W_.transpose();                       // Z
        O_.rowwise() += b_;
        O_ = O_.array().logistic().matrix();                      // O = σ(Z), in place
        D_ = ((O_ - T_).array() * O_.array() * (T(1) - O_.array())).matrix();
        r.loss = T(0.5) * (O_ - T_).squaredNorm();
        dW.noalias() = D_.transpose() * X_;
        db.noalias() = D_.colwise().sum();
    }

private:
    const_matrix_map X_, T_, W_;
    const_row_map b_;
    matrix O_, D_;
};

}  // namespace bench
