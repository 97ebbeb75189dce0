#include <torch/nn/modules/container/sequential.h>
#include <torch/utils.h>

#include "imgcls/errors.hpp"
#include "models/classifier.hpp"

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

std::vector<LayerRow> ClassifierImpl::layer_rows(const InputSpec& input) {
  auto& model = *this;
  auto x = at::zeros({1, input.channels, input.height, input.width});
  std::vector<LayerRow> rows;
  for (const auto& child : model.named_children()) {
    auto seq = std::dynamic_pointer_cast<torch::nn::SequentialImpl>(child.value());
    if (!seq) throw TrainError("summary: model child '" + child.key() + "' is not a Sequential");
    for (std::size_t i = 0; i < seq->size(); ++i) {
      x = seq->begin()[static_cast<std::ptrdiff_t>(i)].forward(x);
      const auto& layer = *seq->ptr(i);
      rows.push_back(LayerRow{child.key() + "." + std::to_string(i), type_name(layer), x.sizes().vec(),
                              count_parameters(layer)});
    }
  }
  return rows;
}

}  // namespace imgcls
