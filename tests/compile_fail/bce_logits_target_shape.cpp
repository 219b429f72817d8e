// EXPECT: the target t must have the shape of z
#include "common.hpp"
// PyTorch: "Target size (torch.Size([B])) must be the same as input size (torch.Size([B, 2]))".
constexpr auto labels = input<"labels">(batch);
constexpr auto L = binary_cross_entropy_with_logits(matmul(x, transpose(w)), labels);
int main() {}
