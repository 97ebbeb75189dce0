#include "models/classifier.hpp"

namespace imgcls {

at::Tensor FeaturesClassifierImpl::forward(const at::Tensor& x) { return classifier_->forward(features_->forward(x)); }

void FeaturesClassifierImpl::set_layers(torch::nn::Sequential features, torch::nn::Sequential classifier) {
  features_ = register_module("features", std::move(features));
  classifier_ = register_module("classifier", std::move(classifier));
}

ParamSplit split_parameters(ClassifierImpl& model) {
  ParamSplit split;
  const auto head = model.head();
  for (const auto& p : model.named_parameters())
    (!head.empty() && p.key().rfind(head + ".", 0) == 0 ? split.head : split.backbone).push_back(p.value());
  return split;
}

int64_t count_parameters(const torch::nn::Module& module, bool trainable_only) {
  int64_t total = 0;
  for (const auto& p : module.parameters())
    if (!trainable_only || p.requires_grad()) total += p.numel();
  return total;
}

}  // namespace imgcls
