#include "models/basic_cnn.hpp"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

#include "imgcls/errors.hpp"

namespace imgcls {
namespace nn = torch::nn;

BasicCNNImpl::BasicCNNImpl(const InputSpec& in) {
  nn::Sequential features(nn::Conv2d(nn::Conv2dOptions(in.channels, 16, 3).padding(1)), nn::ReLU(),
                                 nn::MaxPool2d(2), nn::Conv2d(nn::Conv2dOptions(16, 32, 3).padding(1)), nn::ReLU(),
                          nn::MaxPool2d(2));
  const auto out = probe_shape(features, in, "features");
  const auto flat = out[1] * out[2] * out[3];
  set_layers(features, nn::Sequential(nn::Flatten(), nn::Linear(flat, 128), nn::ReLU(), nn::Linear(128, in.num_classes)));
}

}  // namespace imgcls
