#pragma once
/// \file
/// ctgrad: a perceptron and its loss written as C++ expressions, differentiated symbolically
/// at compile time, and lowered into fused SIMD loops that compute the loss and its gradients
/// in one pass.
///
/// The stages, one folder each:
///   expr/      building expressions (Boost.YAP nodes, named axes, shape checks)
///   diff/      differentiation rules and simplification -> derivative *types*
///   ops/       one header per non-elementwise operation: its shape, derivative, printing and
///              reference evaluation, as table entries (ops/tables.hpp); and the newer
///              elementwise functions (abs, sign; maximum, minimum, clamp)
///   lower/     the lowering: one plan and one executor (xsimd), its kernels
///   api/       the calls built on them: binding data (bindings.hpp), the errors a call reports
///              (status.hpp), value_and_grad / value programs (program.hpp), the
///              forward pass value(e) (forward.hpp), sharded calls for threads and ranks
///              (shards.hpp: include it yourself)
///   print/     compile-time text and LaTeX of any expression or derivative
///   optim/     optimizers: torch.optim's SGD, Adam and AdamW, as SIMD loops over parameter buffers
///              (include <ctgrad/optim.hpp> yourself)
///   reference/ a plain double-precision evaluator, the oracle for tests (include it yourself)
///
/// The public names, in one place (each has an entry in docs/reference.md):
///   axis, batch, dynamic_extent, input, parameter, ones, literals::operator""_c
///   + - * / (elementwise, broadcast by axis name), exp, log, sigmoid, tanh, relu, heaviside,
///   softplus, gelu, pow<N>, abs, sign, maximum, minimum, clamp, clamp_min, clamp_max, matmul,
///   transpose, sum, mean, sum_over, logsumexp, softmax, one_hot, argmax
///   mse_loss, l1_loss, huber_loss, smooth_l1_loss, binary_cross_entropy,
///   binary_cross_entropy_with_logits, cross_entropy
///   make_call, make_node, make_terminal (building nodes of your own operations)
///   grad, grad_t, shape_of_t, rank_v, derivative_rule, elementwise_kernel
///   value_and_grad, value, wrt, bind, program, forward_program, status, errc, evaluation_error
///   to_text, to_latex, per_sample, name, derivative_text, derivative_latex, static_string
///   in <ctgrad/optim.hpp>: optim::sgd, optim::sgd_options, optim::sgd_state, optim::adam, optim::adamw,
///   optim::adam_options, optim::adamw_options, optim::adam_state
///   in <ctgrad/api/shards.hpp>: prepare_shards, sharded_call, shard_layout; in
///   <ctgrad/parallel/openmp.hpp> (with -fopenmp): openmp::run

#include "ctgrad/diff/grad.hpp"
#include "ctgrad/diff/rules.hpp"
#include "ctgrad/expr/axis.hpp"
#include "ctgrad/expr/leaves.hpp"
#include "ctgrad/expr/operations.hpp"
#include "ctgrad/expr/shape.hpp"
#include "ctgrad/api/bindings.hpp"
#include "ctgrad/api/status.hpp"
#include "ctgrad/api/forward.hpp"
#include "ctgrad/api/program.hpp"
#include "ctgrad/print.hpp"
