// The lecture's two derivations, derived by the compiler and printed in the lecture's notation.
//
// The strings are compile-time constants computed from the derivative *types* that the fused
// kernel evaluates, so the derivative printed here is exactly the one computed.

#include <ctgrad/ctgrad.hpp>
#include <iostream>

using namespace ctgrad;

// [snippet: derivation-single]
namespace single_output {
constexpr axis<"j", 10> j;  // the input features x_j
constexpr axis<"k", 1> k;   // one output: no index is printed for it
constexpr auto x = input<"x">(batch, j);
constexpr auto t = input<"t">(batch, k);
constexpr auto w = parameter<"w">(k, j);
constexpr auto o = sigmoid(matmul(x, transpose(w)));  // O = σ(x·wᵀ)
constexpr auto O = name<"O">(o);                      // print o as O
constexpr auto E = 0.5_c * sum(pow<2>(o - t));        // E = ½ (O − t)²
}  // namespace single_output
// [snippet-end]

// [snippet: derivation-multi]
namespace multi_output {
constexpr axis<"j", 10> j;
constexpr axis<"k", 2> k;  // two outputs O_k
constexpr auto x = input<"x">(batch, j);
constexpr auto t = input<"t">(batch, k);
constexpr auto w = parameter<"w">(k, j);
constexpr auto o = sigmoid(matmul(x, transpose(w)));
constexpr auto O = name<"O">(o);
constexpr auto E = 0.5_c * sum(pow<2>(o - t));  // E = ½ Σ_k (O_k − t_k)²
}  // namespace multi_output
// [snippet-end]

int main() {
    {
        using namespace single_output;
        // [snippet: derivation-print]
        std::cout << "Perceptron, one output\n";
        std::cout << "  E     = " << to_text(E, O) << "\n";
        std::cout << "  text  : " << derivative_text<"E">(E, w, O) << "\n";
        std::cout << "  LaTeX : " << derivative_latex<"E">(E, w, O) << "\n";
        // The same derivative, whole arrays and without names: what the kernel evaluates.
        std::cout << "  arrays: dE/dw = " << to_text(grad(E, w)) << "\n\n";
        // [snippet-end]
        // [snippet: derivation-pinned]
        static_assert(derivative_text<"E">(E, w, O) == "dE/dw_j = (O - t) O (1 - O) x_j");
        // [snippet-end]
    }
    {
        using namespace multi_output;
        std::cout << "Multi-output perceptron\n";
        std::cout << "  E     = " << to_text(E, O) << "\n";
        std::cout << "  text  : " << derivative_text<"E">(E, w, O) << "\n";
        std::cout << "  LaTeX : " << derivative_latex<"E">(E, w, O) << "\n";
        std::cout << "  and with respect to the input:\n";
        std::cout << "  text  : " << derivative_text<"E">(E, x, O) << "\n";
        std::cout << "  LaTeX : " << derivative_latex<"E">(E, x, O) << "\n";
        static_assert(derivative_text<"E">(E, w, O) == "dE/dw_kj = (O_k - t_k) O_k (1 - O_k) x_j");
    }
}
