// The seeds' plain CNNs, each `features` (convolutions) followed by `classifier` (head), with
// PyTorch's parameter names. Flatten sizes are computed from the input size where the seeds
// hard-code them.
//
//  complex_cnn / cifar10_cnn  seed 004's ComplexCNN and CIFAR10CNN: the same stack of
//      conv(32) conv(32) pool conv(64) conv(64) pool, Linear(64*(H/4)*(W/4), 256), Linear(256, k).
//      870,634 parameters on 1x28x28 / 10 classes; 1,116,970 on 3x32x32 / 10.
//  baseline_cnn  seeds 000/002: six 3x3 convolutions (32, 64 | 128, 128 | 256, 256) with three
//      2x2 max-pools, Linear(flat, 1024), Linear(1024, 512), Linear(512, k). The seeds write
//      Linear(256*28*28, ...) for 224x224 inputs: 207,175,365 parameters with 5 classes.
//  cifar_cnn  seed 001's Cifar100_CNN: conv 5x5 stride 4 (hidden), conv 3x3 (2*hidden), then
//      model.pooling: avg (AdaptiveAvgPool2d(2), the seed's AvgPool2d(4) on 32x32), max
//      (AdaptiveMaxPool2d(2)) or stride (the second convolution with stride 2, no pooling),
//      Linear(flat, k). 21,699 parameters with avg, hidden 32, 3x32x32, 3 classes. The seed's
//      Normalize layer is the data pipeline's job here (a normalize item in data.*_transforms).
#pragma once

#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/pimpl.h>

#include <string>

#include "models/classifier.hpp"

namespace imgcls {

class ComplexCNNImpl : public FeaturesClassifierImpl {
 public:
  explicit ComplexCNNImpl(const InputSpec& input);
};
TORCH_MODULE(ComplexCNN);

class BaselineCNNImpl : public FeaturesClassifierImpl {
 public:
  explicit BaselineCNNImpl(const InputSpec& input);
};
TORCH_MODULE(BaselineCNN);

class CifarCNNImpl : public ClassifierImpl {
 public:
  // pooling: "avg" | "max" | "stride"; hidden >= 1.
  CifarCNNImpl(const InputSpec& input, int64_t hidden, const std::string& pooling);
  at::Tensor forward(const at::Tensor& x) override;

 private:
  torch::nn::Sequential seq_{nullptr};
};
TORCH_MODULE(CifarCNN);

}  // namespace imgcls
