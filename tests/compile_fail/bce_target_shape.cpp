// EXPECT: the target t must have the shape of o
#include "common.hpp"
// PyTorch: "Target size (torch.Size([B])) must be the same as input size (torch.Size([B, 2]))".
// Broadcasting a [batch] target against [batch, k] probabilities would compute another loss.
constexpr auto labels = input<"labels">(batch);
constexpr auto L = binary_cross_entropy(o, labels);
int main() {}
