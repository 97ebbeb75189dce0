// Seed 000's EnhancedCNN: a 7x7/2 stem (BatchNorm, ReLU, 3x3/2 max-pool), then one stage per
// width in model.widths (default 128, 256, 512): conv 3x3 + BatchNorm + ReLU to that width,
// model.blocks residual blocks (conv-BN-ReLU-conv-BN + identity, ReLU), a 2x2 max-pool
// between stages; AdaptiveAvgPool2d(4), then Dropout(0.5), Linear(width*16, 1024), ReLU,
// Dropout(0.3), Linear(1024, k). With the defaults on 3x224x224 and 5 classes: 22,352,389
// parameters, as in PyTorch.
#pragma once

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

#include <vector>

#include "models/batch_norm.hpp"
#include "models/classifier.hpp"

namespace imgcls {

class ResidualBlockImpl : public torch::nn::Module {
 public:
  explicit ResidualBlockImpl(int64_t channels);
  at::Tensor forward(const at::Tensor& x);

 private:
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  BatchNorm2d bn1{nullptr}, bn2{nullptr};
};
TORCH_MODULE(ResidualBlock);

class ResidualCNNImpl : public FeaturesClassifierImpl {
 public:
  ResidualCNNImpl(const InputSpec& input, const std::vector<int64_t>& widths, int64_t blocks, int64_t stem);
};
TORCH_MODULE(ResidualCNN);

}  // namespace imgcls
