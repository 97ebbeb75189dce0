#include "models/residual_cnn.hpp"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

#include "imgcls/errors.hpp"

namespace imgcls {
namespace nn = torch::nn;

ResidualBlockImpl::ResidualBlockImpl(int64_t c) {
  conv1 = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(c, c, 3).padding(1)));
  bn1 = register_module("bn1", BatchNorm2d(c));
  conv2 = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(c, c, 3).padding(1)));
  bn2 = register_module("bn2", BatchNorm2d(c));
}

at::Tensor ResidualBlockImpl::forward(const at::Tensor& x) {
  // In place where seed 000 is (ReLU(inplace=True), out += residual): batch norm's backward
  // needs its input, not its output, so overwriting the output is safe, and it saves two
  // allocations and passes over memory per block.
  auto out = bn1->forward(conv1->forward(x)).relu_();
  out = bn2->forward(conv2->forward(out));
  out += x;
  return out.relu_();
}

ResidualCNNImpl::ResidualCNNImpl(const InputSpec& in, const std::vector<int64_t>& widths, int64_t blocks,
                                 int64_t stem) {
  if (widths.empty()) throw ConfigError("model.widths: expected at least one stage width");
  nn::Sequential f(nn::Conv2d(nn::Conv2dOptions(in.channels, stem, 7).stride(2).padding(3)), BatchNorm2d(stem),
                   nn::ReLU(nn::ReLUOptions(true)), nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1)));
  int64_t channels = stem;
  for (std::size_t s = 0; s < widths.size(); ++s) {
    f->push_back(nn::Conv2d(nn::Conv2dOptions(channels, widths[s], 3).padding(1)));
    f->push_back(BatchNorm2d(widths[s]));
    f->push_back(nn::ReLU(nn::ReLUOptions(true)));
    for (int64_t b = 0; b < blocks; ++b) f->push_back(ResidualBlock(widths[s]));
    if (s + 1 < widths.size()) f->push_back(nn::MaxPool2d(nn::MaxPool2dOptions(2).stride(2)));
    channels = widths[s];
  }
  f->push_back(nn::AdaptiveAvgPool2d(4));
  set_layers(f, nn::Sequential(nn::Flatten(), nn::Dropout(0.5), nn::Linear(channels * 16, 1024),
                               nn::ReLU(nn::ReLUOptions(true)), nn::Dropout(0.3), nn::Linear(1024, in.num_classes)));
}

}  // namespace imgcls
