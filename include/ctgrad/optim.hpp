#pragma once
/// \file
/// ctgrad's optimizers, torch.optim's update rules as SIMD loops over parameter buffers:
/// optim::sgd (momentum, dampening, nesterov, weight decay), optim::adam and optim::adamw
/// (betas, eps, weight decay, amsgrad). Not part of <ctgrad/ctgrad.hpp>: a program that only
/// computes gradients does not parse them (as torch.optim is a module of its own).

#include "ctgrad/optim/adam.hpp"
#include "ctgrad/optim/sgd.hpp"
