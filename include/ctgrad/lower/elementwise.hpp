#pragma once
/// \file
/// Numeric kernels of the elementwise functions, for a SIMD vector or a scalar V.
/// One specialisation per function tag, beside its derivative rule in diff/rules.hpp.

#include "ctgrad/diff/traits.hpp"
#include "ctgrad/expr/functions.hpp"
#include "ctgrad/expr/node.hpp"
#include "ctgrad/lower/simd.hpp"
#include "ctgrad/ops/abs.hpp"
#include "ctgrad/ops/minmax.hpp"

namespace ctgrad {
// In the ISA namespace: kernels instantiated by code built for different instruction sets must
// not share symbols (their scalar instantiations too: a double kernel built with -mavx2 is VEX).
inline namespace CTGRAD_ISA_NAMESPACE {

/// How to compute the elementwise function Fn on a value V (vector or scalar).
template <class Fn>
struct elementwise_kernel {
    static_assert(detail::always_false_v<Fn>,
                  "ctgrad: this function has no numeric kernel: specialise ctgrad::elementwise_kernel<Fn>");
};

template <>
struct elementwise_kernel<exp_fn> {
    template <class V>
    static V apply(const V& a) {
        return lowering::vexp(a);
    }
};

template <>
struct elementwise_kernel<log_fn> {
    template <class V>
    static V apply(const V& a) {
        return lowering::vlog(a);
    }
};

/// 1 / (1 + e^-a): saturates to exactly 0 and 1 without NaN for any finite a.
template <>
struct elementwise_kernel<sigmoid_fn> {
    template <class V>
    static V apply(const V& a) {
        using T = lowering::scalar_t<V>;
        const V one = lowering::vsplat<V>(T(1));
        return one / (one + lowering::vexp(-a));
    }
};

template <>
struct elementwise_kernel<tanh_fn> {
    template <class V>
    static V apply(const V& a) {
        return lowering::vtanh(a);
    }
};

/// max(a, 0) written so that NaN propagates like torch.relu.
template <>
struct elementwise_kernel<relu_fn> {
    template <class V>
    static V apply(const V& a) {
        const V zero = lowering::vsplat<V>(lowering::scalar_t<V>(0));
        return lowering::vselect(a < zero, zero, a);
    }
};

template <>
struct elementwise_kernel<heaviside_fn> {
    template <class V>
    static V apply(const V& a) {
        using T = lowering::scalar_t<V>;
        return lowering::vselect(a > lowering::vsplat<V>(T(0)), lowering::vsplat<V>(T(1)), lowering::vsplat<V>(T(0)));
    }
};

/// max(a, 0) + log(1 + e^-|a|): no overflow for large |a|; NaN propagates.
template <>
struct elementwise_kernel<softplus_fn> {
    template <class V>
    static V apply(const V& a) {
        const V zero = lowering::vsplat<V>(lowering::scalar_t<V>(0));
        return lowering::vselect(a < zero, zero, a) + lowering::vlog1p(lowering::vexp(-lowering::vabs(a)));
    }
};

/// -(t log o + (1 - t) log(1 - o)) with each log clamped at -100, as PyTorch.
template <>
struct elementwise_kernel<bce_fn> {
    template <class V>
    static V apply(const V& o, const V& t) {
        using T = lowering::scalar_t<V>;
        const V one = lowering::vsplat<V>(T(1));
        const V floor = lowering::vsplat<V>(T(-100));
        const V log_o = lowering::vmax(lowering::vlog(o), floor);
        const V log_1mo = lowering::vmax(lowering::vlog(one - o), floor);
        return -(t * log_o + (one - t) * log_1mo);
    }
};

/// 1, -1, or 0 at 0 and for NaN (both comparisons false), as torch.sign in PyTorch 1.13.
template <>
struct elementwise_kernel<sign_fn> {
    template <class V>
    static V apply(const V& a) {
        using T = lowering::scalar_t<V>;
        const V zero = lowering::vsplat<V>(T(0));
        return lowering::vselect(a > zero, lowering::vsplat<V>(T(1)),
                                 lowering::vselect(a < zero, lowering::vsplat<V>(T(-1)), zero));
    }
};

template <>
struct elementwise_kernel<abs_fn> {
    template <class V>
    static V apply(const V& a) {
        return lowering::vabs(a);
    }
};

/// [a > b] as 1 or 0.
template <>
struct elementwise_kernel<greater_fn> {
    template <class V>
    static V apply(const V& a, const V& b) {
        using T = lowering::scalar_t<V>;
        return lowering::vselect(a > b, lowering::vsplat<V>(T(1)), lowering::vsplat<V>(T(0)));
    }
};

/// [a >= b] as 1 or 0.
template <>
struct elementwise_kernel<greater_equal_fn> {
    template <class V>
    static V apply(const V& a, const V& b) {
        using T = lowering::scalar_t<V>;
        return lowering::vselect(a >= b, lowering::vsplat<V>(T(1)), lowering::vsplat<V>(T(0)));
    }
};

/// The larger of a and b; a NaN in either is the result, as torch.maximum.
template <>
struct elementwise_kernel<maximum_fn> {
    template <class V>
    static V apply(const V& a, const V& b) {
        return lowering::vselect(b != b, b, lowering::vmax(a, b));
    }
};

/// The smaller of a and b; a NaN in either is the result, as torch.minimum.
template <>
struct elementwise_kernel<minimum_fn> {
    template <class V>
    static V apply(const V& a, const V& b) {
        return lowering::vselect(b != b, b, lowering::vselect(b < a, b, a));
    }
};

/// clamp_min and clamp_max have the values of maximum and minimum; only their rules differ.
template <>
struct elementwise_kernel<clamp_min_fn> : elementwise_kernel<maximum_fn> {};
template <>
struct elementwise_kernel<clamp_max_fn> : elementwise_kernel<minimum_fn> {};

template <int N>
struct elementwise_kernel<pow_fn<N>> {
    template <class V>
    static V apply(const V& a) {
        if constexpr (N < 0) {
            using T = lowering::scalar_t<V>;
            return lowering::vsplat<V>(T(1)) / elementwise_kernel<pow_fn<-N>>::apply(a);
        } else if constexpr (N == 0) {
            using T = lowering::scalar_t<V>;
            return lowering::vsplat<V>(T(1));
        } else if constexpr (N == 1) {
            return a;
        } else {
            const V half = elementwise_kernel<pow_fn<N / 2>>::apply(a);
            if constexpr (N % 2 == 0) {
                return half * half;
            } else {
                return half * half * a;
            }
        }
    }
};

}  // namespace CTGRAD_ISA_NAMESPACE
}  // namespace ctgrad

namespace ctgrad::detail {
inline namespace CTGRAD_ISA_NAMESPACE {

/// The value of the elementwise node Node (an operator, or a call of an elementwise
/// function) from its children's values: `arg(std::integral_constant<std::size_t, I>{})` is
/// the value of child I (for a call, child 0 is the function tag). Shared by the passes.
template <class Node, class Arg>
inline auto apply_elementwise(Arg&& arg) {
    using I0 = std::integral_constant<std::size_t, 0>;
    using I1 = std::integral_constant<std::size_t, 1>;
    using I2 = std::integral_constant<std::size_t, 2>;
    constexpr auto K = Node::kind;
    if constexpr (K == expr_kind::plus) {
        return arg(I0{}) + arg(I1{});
    } else if constexpr (K == expr_kind::minus) {
        return arg(I0{}) - arg(I1{});
    } else if constexpr (K == expr_kind::multiplies) {
        return arg(I0{}) * arg(I1{});
    } else if constexpr (K == expr_kind::divides) {
        return arg(I0{}) / arg(I1{});
    } else if constexpr (K == expr_kind::negate) {
        return -arg(I0{});
    } else if constexpr (K == expr_kind::call && arity_v<Node> == 2) {
        return elementwise_kernel<call_fn_t<Node>>::apply(arg(I1{}), arg(I2{}));
    } else if constexpr (K == expr_kind::call) {
        return elementwise_kernel<call_fn_t<Node>>::apply(arg(I1{}));
    } else {
        static_assert(always_false_v<Node>, "ctgrad: this operator cannot be evaluated elementwise");
    }
}

}  // namespace CTGRAD_ISA_NAMESPACE
}  // namespace ctgrad::detail
