#include <torch/nn/modules/container/sequential.h>
#include <torch/utils.h>

#include <c10/util/Exception.h>

#include "imgcls/errors.hpp"
#include "models/classifier.hpp"
#include "util/error_text.hpp"

namespace imgcls {
namespace {

std::string type_name(const torch::nn::Module& m) {
  auto name = m.name();  // "torch::nn::Conv2dImpl", "imgcls::ResidualBlockImpl"
  const auto colon = name.rfind("::");
  if (colon != std::string::npos) name = name.substr(colon + 2);
  if (name.size() > 4 && name.compare(name.size() - 4, 4, "Impl") == 0) name.resize(name.size() - 4);
  return name;
}

}  // namespace

std::vector<LayerRow> summarize(ClassifierImpl& model, const InputSpec& input) {
  torch::NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  auto rows = model.layer_rows(input);
  model.train(was_training);
  return rows;
}

std::string sample_shape_text(const at::IntArrayRef& shape) {
  std::string s;
  for (std::size_t i = 1; i < shape.size(); ++i) s += (i > 1 ? "x" : "") + std::to_string(shape[i]);
  return s;
}

LayerShapeError::LayerShapeError(const std::string& layer, const std::string& type, const std::string& input_shape,
                                 const std::string& reason)
    : ConfigError("layer " + layer + " (" + type + ") cannot take its " + input_shape + " input: " + reason),
      layer_(layer) {}

std::vector<int64_t> probe_shape(torch::nn::Sequential& layers, const InputSpec& in, const std::string& prefix) {
  torch::NoGradGuard no_grad;
  const bool was_training = layers->is_training();
  layers->eval();
  auto x = at::zeros({1, in.channels, in.height, in.width});
  for (std::size_t i = 0; i < layers->size(); ++i) {
    try {
      x = layers->begin()[static_cast<std::ptrdiff_t>(i)].forward(x);
    } catch (const c10::Error& e) {
      layers->train(was_training);
      throw LayerShapeError(prefix + "." + std::to_string(i), type_name(*layers->ptr(i)), sample_shape_text(x.sizes()),
                            error_line(e));
    }
  }
  layers->train(was_training);
  return x.sizes().vec();
}

std::vector<LayerRow> ClassifierImpl::layer_rows(const InputSpec& input) {
  auto& model = *this;
  auto x = at::zeros({1, input.channels, input.height, input.width});
  std::vector<LayerRow> rows;
  for (const auto& child : model.named_children()) {
    auto seq = std::dynamic_pointer_cast<torch::nn::SequentialImpl>(child.value());
    if (!seq) throw TrainError("summary: model child '" + child.key() + "' is not a Sequential");
    for (std::size_t i = 0; i < seq->size(); ++i) {
      const auto& layer = *seq->ptr(i);
      try {
        x = seq->begin()[static_cast<std::ptrdiff_t>(i)].forward(x);
      } catch (const c10::Error& e) {
        throw LayerShapeError(child.key() + "." + std::to_string(i), type_name(layer), sample_shape_text(x.sizes()),
                              error_line(e));
      }
      rows.push_back(LayerRow{child.key() + "." + std::to_string(i), type_name(layer), x.sizes().vec(),
                              count_parameters(layer)});
    }
  }
  return rows;
}

}  // namespace imgcls
