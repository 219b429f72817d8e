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
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
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

// The fixed-seed random numbers of a problem, drawn in double and rounded to float, so that a
// problem's float and double instances hold exactly the same numbers. One normal distribution
// serves every normal draw (it keeps a spare value from one call to the next), as when the
// single-layer problem drew its data from one lambda: its numbers stay what they were.
class random_source {
public:
    explicit random_source(std::uint64_t seed) : rng_(seed) {}
    template <class T>
    void normal(std::vector<T>& v, double scale) {  // N(0, scale²)
        for (T& e : v) e = static_cast<T>(static_cast<float>(scale * randn_(rng_)));
    }
    template <class T>
    void uniform01(std::vector<T>& v) {  // U[0, 1]
        for (T& e : v) e = static_cast<T>(static_cast<float>(rand01_(rng_)));
    }

private:
    std::mt19937_64 rng_;
    std::normal_distribution<double> randn_;
    std::uniform_real_distribution<double> rand01_;
};

template <class T>
struct result;

// The data of one problem in precision T. x ~ N(0, 1), w ~ N(0, 0.1²), b ~ N(0, 0.05²),
// t ~ U[0, 1]; drawn in double with a fixed seed per size and rounded to float, so the float
// and double problems of one size hold exactly the same numbers.
template <class T>
struct problem {
    using value_type = T;
    using result_type = result<T>;
    using reference_type = result<double>;  // the cross-check's reference: the scalar loop in double

    size3 size{};
    std::vector<T> x, t, w, b;

    problem() = default;
    explicit problem(size3 s) : size(s), x(s.B * s.N), t(s.B * s.K), w(s.K * s.N), b(s.K) {
        random_source r(20260 + 1000003 * s.B + 1009 * s.N + s.K);
        r.normal(x, 1.0);
        r.normal(w, 0.1);
        r.normal(b, 0.05);
        r.uniform01(t);
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
// gradients() lists them in the order of the parameters, with gradient_names, for the code
// that treats every problem alike (the cross-check, libtorch's copy-out).
template <class T>
struct result {
    T loss = 0;
    std::vector<T> dw, db;
    explicit result(size3 s) : dw(s.K * s.N), db(s.K) {}

    static constexpr std::array<const char*, 2> gradient_names{"dw", "db"};
    std::array<std::vector<T>*, 2> gradients() { return {&dw, &db}; }
    std::array<const std::vector<T>*, 2> gradients() const { return {&dw, &db}; }
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

// The relative errors of `got` against the reference: the loss's, each gradient's (in the
// order of gradients()), and the worst of them.
struct errors {
    double loss = 0;
    std::vector<double> gradients;
    double worst() const {  // NaN counts as the worst of all
        double w = 0;
        auto consider = [&](double e) { w = std::isnan(e) ? HUGE_VAL : std::max(w, e); };
        consider(loss);
        for (double e : gradients) consider(e);
        return w;
    }
};
template <class Result, class Reference>  // result<T> and result<double>, or another problem's pair
errors compare(const Result& got, const Reference& ref) {
    errors e;
    e.loss = std::fabs(static_cast<double>(got.loss) - ref.loss) / std::max(std::fabs(ref.loss), 1e-300);
    const auto g = got.gradients();
    const auto r = ref.gradients();
    for (std::size_t i = 0; i < r.size(); ++i) e.gradients.push_back(relative_error(*g[i], *r[i]));
    return e;
}

}  // namespace bench
