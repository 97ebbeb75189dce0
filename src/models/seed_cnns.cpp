#include "models/seed_cnns.hpp"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

#include "imgcls/errors.hpp"

namespace imgcls {
namespace nn = torch::nn;
namespace {

nn::Conv2d conv3x3(int64_t in, int64_t out) { return nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1)); }

void require_size(const InputSpec& in, int64_t min, const char* model) {
  if (in.height < min || in.width < min)
    throw ConfigError(std::string("model.name: ") + model + " needs inputs of at least " + std::to_string(min) + "x" +
                      std::to_string(min) + " pixels, got " + std::to_string(in.height) + "x" +
                      std::to_string(in.width));
}

}  // namespace

ComplexCNNImpl::ComplexCNNImpl(const InputSpec& in) {
  nn::Sequential features(conv3x3(in.channels, 32), nn::ReLU(), conv3x3(32, 32), nn::ReLU(), nn::MaxPool2d(2),
                          conv3x3(32, 64), nn::ReLU(), conv3x3(64, 64), nn::ReLU(), nn::MaxPool2d(2));
  const auto out = probe_shape(features, in, "features");
  set_layers(features, nn::Sequential(nn::Flatten(), nn::Linear(out[1] * out[2] * out[3], 256), nn::ReLU(),
                                      nn::Linear(256, in.num_classes)));
}

BaselineCNNImpl::BaselineCNNImpl(const InputSpec& in) {
  // The seeds hard-code the flatten size for 224x224 (256 * 28 * 28); here it follows the input.
  nn::Sequential features(conv3x3(in.channels, 32), nn::ReLU(), conv3x3(32, 64), nn::ReLU(), nn::MaxPool2d(2),
                          conv3x3(64, 128), nn::ReLU(), conv3x3(128, 128), nn::ReLU(), nn::MaxPool2d(2),
                          conv3x3(128, 256), nn::ReLU(), conv3x3(256, 256), nn::ReLU(), nn::MaxPool2d(2));
  const auto out = probe_shape(features, in, "features");
  set_layers(features, nn::Sequential(nn::Flatten(), nn::Linear(out[1] * out[2] * out[3], 1024), nn::ReLU(),
                                      nn::Linear(1024, 512), nn::ReLU(), nn::Linear(512, in.num_classes)));
}

CifarCNNImpl::CifarCNNImpl(const InputSpec& in, int64_t hidden, const std::string& pooling) {
  require_size(in, 8, "cifar_cnn");
  if (hidden < 1) throw ConfigError("model.hidden_size: expected a positive integer, got " + std::to_string(hidden));
  // conv 5x5 stride 4 padding 2: H -> floor((H - 1) / 4) + 1
  const auto h1 = (in.height - 1) / 4 + 1, w1 = (in.width - 1) / 4 + 1;
  nn::Sequential seq(nn::Conv2d(nn::Conv2dOptions(in.channels, hidden, 5).stride(4).padding(2)), nn::ReLU());
  int64_t flat = 0;
  if (pooling == "stride") {
    seq->push_back(nn::Conv2d(nn::Conv2dOptions(hidden, hidden * 2, 3).stride(2).padding(1)));
    seq->push_back(nn::ReLU());
    flat = hidden * 2 * ((h1 - 1) / 2 + 1) * ((w1 - 1) / 2 + 1);
  } else {
    seq->push_back(nn::Conv2d(nn::Conv2dOptions(hidden, hidden * 2, 3).padding(1)));
    seq->push_back(nn::ReLU());
    if (pooling == "max")
      seq->push_back(nn::AdaptiveMaxPool2d(2));
    else if (pooling == "avg")
      seq->push_back(nn::AdaptiveAvgPool2d(2));
    else
      throw ConfigError("model.pooling: expected one of stride, max, avg, got '" + pooling + "'");
    flat = hidden * 2 * 4;
  }
  seq->push_back(nn::Flatten());
  seq->push_back(nn::Linear(flat, in.num_classes));
  seq_ = register_module("seq", seq);
}

at::Tensor CifarCNNImpl::forward(const at::Tensor& x) { return seq_->forward(x); }

}  // namespace imgcls
