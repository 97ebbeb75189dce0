// Precompiled header for the library's LibTorch sources (sources that do not use LibTorch
// skip it: see src/CMakeLists.txt). Only LibTorch's heavy headers belong here.
#pragma once

#include <ATen/ATen.h>
#include <torch/nn.h>
#include <torch/optim.h>
#include <torch/serialize.h>
