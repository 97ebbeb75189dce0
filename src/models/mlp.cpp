#include "models/mlp.hpp"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>

#include "imgcls/errors.hpp"

namespace imgcls {
namespace nn = torch::nn;
namespace {

void push_activation(nn::Sequential& seq, const std::string& name) {
  if (name == "relu")
    seq->push_back(nn::ReLU());
  else if (name == "leaky_relu")
    seq->push_back(nn::LeakyReLU());
  else if (name == "tanh")
    seq->push_back(nn::Tanh());
  else if (name == "sigmoid")
    seq->push_back(nn::Sigmoid());
  else
    throw ConfigError("model.activation: expected one of relu, leaky_relu, tanh, sigmoid, got '" + name + "'");
}

}  // namespace

MLPImpl::MLPImpl(const InputSpec& in, const std::vector<int64_t>& hidden, const std::string& activation,
                 double dropout) {
  // `flatten` is a one-item Sequential so that every top-level child is a Sequential (the
  // contract `imgcls summary` relies on); it has no parameters, so names are unaffected.
  flatten_ = register_module("flatten", nn::Sequential(nn::Flatten()));
  nn::Sequential layers;
  int64_t width = in.channels * in.height * in.width;
  for (const auto h : hidden) {
    if (h < 1) throw ConfigError("model.hidden: sizes must be positive, got " + std::to_string(h));
    layers->push_back(nn::Linear(width, h));
    push_activation(layers, activation);
    if (dropout > 0) layers->push_back(nn::Dropout(dropout));
    width = h;
  }
  layers->push_back(nn::Linear(width, in.num_classes));
  layers_ = register_module("layers", layers);
}

at::Tensor MLPImpl::forward(const at::Tensor& x) { return layers_->forward(flatten_->forward(x)); }

}  // namespace imgcls
