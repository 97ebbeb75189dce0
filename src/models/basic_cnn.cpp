#include "models/basic_cnn.hpp"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

#include "imgcls/errors.hpp"

namespace imgcls {
namespace nn = torch::nn;

BasicCNNImpl::BasicCNNImpl(const InputSpec& in) {
  if (in.height < 4 || in.width < 4)
    throw ConfigError("model.name: basic_cnn needs inputs of at least 4x4 pixels, got " + std::to_string(in.height) +
                      "x" + std::to_string(in.width));
  nn::Sequential features(nn::Conv2d(nn::Conv2dOptions(in.channels, 16, 3).padding(1)), nn::ReLU(),
                                 nn::MaxPool2d(2), nn::Conv2d(nn::Conv2dOptions(16, 32, 3).padding(1)), nn::ReLU(),
                          nn::MaxPool2d(2));
  const auto flat = 32 * (in.height / 4) * (in.width / 4);
  set_layers(features, nn::Sequential(nn::Flatten(), nn::Linear(flat, 128), nn::ReLU(), nn::Linear(128, in.num_classes)));
}

}  // namespace imgcls
