// The lecture's two derivations, derived by the compiler and printed in the lecture's notation,
// and the next lesson's: the chain rule through a hidden layer, and a cross-entropy.
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

// [snippet: derivation-two-layer]
namespace two_layer {
constexpr axis<"j", 10> j;  // the input features x_j
constexpr axis<"h", 3> h;   // the hidden units H_h
constexpr axis<"k", 2> k;   // the outputs O_k
constexpr auto x = input<"x">(batch, j);
constexpr auto t = input<"t">(batch, k);
constexpr auto w1 = parameter<"w1">(h, j);
constexpr auto b1 = parameter<"b1">(h);
constexpr auto w2 = parameter<"w2">(k, h);
constexpr auto b2 = parameter<"b2">(k);
constexpr auto hidden = sigmoid(matmul(x, transpose(w1)) + b1);  // H = σ(x·w1ᵀ + b1)
constexpr auto z = matmul(hidden, transpose(w2)) + b2;           // the logits
constexpr auto o = sigmoid(z);                                   // O = σ(H·w2ᵀ + b2)
constexpr auto H = name<"H">(hidden);
constexpr auto O = name<"O">(o);
constexpr auto E = 0.5_c * sum(pow<2>(o - t));  // E = ½ Σ_k (O_k − t_k)²
}  // namespace two_layer
// [snippet-end]

// [snippet: derivation-cross-entropy]
namespace two_layer {
constexpr auto y = input<"y">(batch);         // class indices
constexpr auto L = cross_entropy(z, y);       // F.cross_entropy(z, y)
constexpr auto S = name<"S">(softmax(z, k));  // print softmax(z) as S_k,
constexpr auto T = name<"t">(one_hot(y, k));  // the one-hot target as t_k,
constexpr auto Z = name<"z">(z);              // and the logits as z_k
}  // namespace two_layer
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
    {
        using namespace two_layer;
        // [snippet: derivation-chain-rule]
        std::cout << "\nTwo layers: the chain rule\n";
        std::cout << "  E     = " << to_text(E, O) << "\n";
        std::cout << "  text  : " << derivative_text<"E">(E, w2, H, O) << "\n";
        std::cout << "  text  : " << derivative_text<"E">(E, b2, H, O) << "\n";
        std::cout << "  text  : " << derivative_text<"E">(E, w1, H, O) << "\n";
        std::cout << "  text  : " << derivative_text<"E">(E, b1, H, O) << "\n";
        std::cout << "  LaTeX : " << derivative_latex<"E">(E, w1, H, O) << "\n";
        static_assert(derivative_text<"E">(E, w1, H, O) ==
                      "dE/dw1_hj = (sum_k (O_k - t_k) O_k (1 - O_k) w2_kh) H_h (1 - H_h) x_j");
        // [snippet-end]
        static_assert(derivative_text<"E">(E, w2, H, O) == "dE/dw2_kh = (O_k - t_k) O_k (1 - O_k) H_h");

        // [snippet: derivation-softmax]
        std::cout << "\nTwo layers, cross-entropy on class indices y: S = softmax(z), t = onehot(y)\n";
        std::cout << "  L     = " << to_text(L, Z, T) << "\n";
        std::cout << "  text  : " << derivative_text<"L">(L, w2, H, S, T) << "\n";
        std::cout << "  text  : " << derivative_text<"L">(L, b2, H, S, T) << "\n";
        std::cout << "  text  : " << derivative_text<"L">(L, w1, H, S, T) << "\n";
        std::cout << "  LaTeX : " << derivative_latex<"L">(L, w2, H, S, T) << "\n";
        static_assert(derivative_text<"L">(L, w2, H, S, T) == "dL/dw2_kh = 1/B (S_k - t_k) H_h");
        // [snippet-end]
    }
}
