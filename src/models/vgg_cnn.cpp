#include "models/vgg_cnn.hpp"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

#include "imgcls/errors.hpp"
#include "models/batch_norm.hpp"

namespace imgcls {
namespace nn = torch::nn;

VggCNNImpl::VggCNNImpl(const InputSpec& in, const std::vector<int64_t>& widths, int64_t blocks,
                       const std::vector<int64_t>& hidden, double dropout) {
  if (widths.empty()) throw ConfigError("model.widths: expected at least one stage width");
  if (blocks < 1) throw ConfigError("model.blocks: vgg_cnn needs at least one convolution per stage");
  nn::Sequential features;
  int64_t channels = in.channels;
  for (const auto width : widths) {
    for (int64_t b = 0; b < blocks; ++b) {
      features->push_back(nn::Conv2d(nn::Conv2dOptions(channels, width, 3).padding(1)));
      features->push_back(BatchNorm2d(width));
      features->push_back(nn::ReLU(nn::ReLUOptions(true)));
      channels = width;
    }
    features->push_back(nn::MaxPool2d(2));
  }
  const auto out = probe_shape(features, in, "features");
  int64_t size = out[1] * out[2] * out[3];
  nn::Sequential classifier;
  classifier->push_back(nn::Flatten());
  for (const auto h : hidden) {
    if (dropout > 0) classifier->push_back(nn::Dropout(dropout));
    classifier->push_back(nn::Linear(size, h));
    classifier->push_back(nn::ReLU(nn::ReLUOptions(true)));
    size = h;
  }
  if (dropout > 0) classifier->push_back(nn::Dropout(dropout));
  classifier->push_back(nn::Linear(size, in.num_classes));
  set_layers(features, classifier);
}

}  // namespace imgcls
