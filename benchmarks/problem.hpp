#pragma once
// The benchmarked problem, shared by every implementation: the lecture's batched perceptron
//   o = σ(x·wᵀ + b),   E = ½ Σ_bk (o_bk − t_bk)²,   wanted: E, ∂E/∂w (K×N), ∂E/∂b (K)
// with x B×N, t B×K, w K×N, b K, all row-major. This header holds a size's name, the
// fixed-seed data, the result type, and the comparison of a result with the double-precision
// reference (the scalar loop of peers/scalar_loop.hpp run in double); main.cpp lists the sizes.
//
// Why one shared problem: every implementation reads the same buffers and writes the same
// kind of result, so the cross-check compares like with like and the timings differ only by
// the implementation.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

namespace bench {

// One benchmarked size: B samples, N features, K outputs.
struct size3 {
    std::size_t B, N, K;
};

// The instruction-set-independent name of a size, as used in benchmark names:
// "B=4096,N=64,K=1" (benchmarks/report.py parses exactly this).
inline std::string size_name(const size3& s) {
    return "B=" + std::to_string(s.B) + ",N=" + std::to_string(s.N) + ",K=" + std::to_string(s.K);
}

// The data of one problem in precision T. x ~ N(0, 1), w ~ N(0, 0.1²), b ~ N(0, 0.05²),
// t ~ U[0, 1]; drawn in double with a fixed seed per size and rounded to float, so the float
// and double problems of one size hold exactly the same numbers.
template <class T>
struct problem {
    size3 size{};
    std::vector<T> x, t, w, b;

    problem() = default;
    explicit problem(size3 s) : size(s), x(s.B * s.N), t(s.B * s.K), w(s.K * s.N), b(s.K) {
        std::mt19937_64 rng(20260 + 1000003 * s.B + 1009 * s.N + s.K);
        std::normal_distribution<double> randn;
        std::uniform_real_distribution<double> rand01;
        auto fill = [&](std::vector<T>& v, auto& distribution, double scale) {
            for (T& e : v) e = static_cast<T>(static_cast<float>(scale * distribution(rng)));
        };
        fill(x, randn, 1.0);
        fill(w, randn, 0.1);
        fill(b, randn, 0.05);
        fill(t, rand01, 1.0);
    }

    // The same numbers in another precision (exact: the values are floats).
    template <class U>
    problem<U> as() const {
        problem<U> p;
        p.size = size;
        p.x.assign(x.begin(), x.end());
        p.t.assign(t.begin(), t.end());
        p.w.assign(w.begin(), w.end());
        p.b.assign(b.begin(), b.end());
        return p;
    }
};

// What every implementation produces: the loss and the two gradients, in precision T.
template <class T>
struct result {
    T loss = 0;
    std::vector<T> dw, db;
    explicit result(size3 s) : dw(s.K * s.N), db(s.K) {}
};

// Normwise relative error ‖a − r‖ / ‖r‖ (the absolute error when r = 0).
template <class T>
double relative_error(const std::vector<T>& a, const std::vector<double>& r) {
    double diff = 0, norm = 0;
    for (std::size_t i = 0; i < r.size(); ++i) {
        const double d = static_cast<double>(a.at(i)) - r[i];
        diff += d * d;
        norm += r[i] * r[i];
    }
    return norm > 0 ? std::sqrt(diff / norm) : std::sqrt(diff);
}

// The tolerance of the cross-check: normwise relative, suited to the precision.
template <class T>
constexpr double tolerance() {
    return sizeof(T) == sizeof(float) ? 1e-4 : 1e-10;
}

// The relative errors of `got` against the reference: loss, dw, db, and the worst of them.
struct errors {
    double loss, dw, db;
    double worst() const {  // NaN counts as the worst of all
        double w = 0;
        for (double e : {loss, dw, db}) w = std::isnan(e) ? HUGE_VAL : std::max(w, e);
        return w;
    }
};
template <class T>
errors compare(const result<T>& got, const result<double>& ref) {
    const double loss_error = std::fabs(static_cast<double>(got.loss) - ref.loss) / std::max(std::fabs(ref.loss), 1e-300);
    return {loss_error, relative_error(got.dw, ref.dw), relative_error(got.db, ref.db)};
}

}  // namespace bench
