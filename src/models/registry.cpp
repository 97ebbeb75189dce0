#include <torch/nn/init.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include <algorithm>
#include <functional>
#include <map>

#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"
#include "models/basic_cnn.hpp"
#include "models/classifier.hpp"
#include "models/mlp.hpp"
#include "models/model_table.hpp"
#include "models/residual_cnn.hpp"
#include "models/seed_cnns.hpp"
#include "models/torchscript_backbone.hpp"
#include "models/vgg_cnn.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace {

using Factory = std::function<std::shared_ptr<ClassifierImpl>(const ModelConfig&, const InputSpec&)>;

// One factory per row of model_table() (models/model_table.cpp: names, descriptions, keys).
const std::map<std::string, Factory>& factories() {
  static const std::map<std::string, Factory> entries = {
      {"basic_cnn", [](const ModelConfig&, const InputSpec& in) { return BasicCNN(in).ptr(); }},
      {"complex_cnn", [](const ModelConfig&, const InputSpec& in) { return ComplexCNN(in).ptr(); }},
      {"cifar10_cnn", [](const ModelConfig&, const InputSpec& in) { return ComplexCNN(in).ptr(); }},
      {"cifar_cnn",
       [](const ModelConfig& m, const InputSpec& in) { return CifarCNN(in, m.hidden_size, m.pooling).ptr(); }},
      {"baseline_cnn", [](const ModelConfig&, const InputSpec& in) { return BaselineCNN(in).ptr(); }},
      {"residual_cnn", [](const ModelConfig& m,
                          const InputSpec& in) { return ResidualCNN(in, m.widths, m.blocks, m.stem_channels).ptr(); }},
      {"vgg_cnn", [](const ModelConfig& m,
                     const InputSpec& in) { return VggCNN(in, m.widths, m.blocks, m.hidden, m.dropout).ptr(); }},
      {"torchscript",
       [](const ModelConfig& m, const InputSpec& in) {
         return std::make_shared<TorchscriptClassifierImpl>(m.path, in, m.freeze_backbone);
       }},
      {"mlp",
       [](const ModelConfig& m, const InputSpec& in) { return MLP(in, m.hidden, m.activation, m.dropout).ptr(); }},
  };
  return entries;
}

// model.init: kaiming (He normal, for ReLU networks) or xavier (Glorot uniform) on every
// convolution and linear weight, zero biases; BatchNorm to weight 1, bias 0.
void apply_init(torch::nn::Module& model, const std::string& init) {
  if (init == "default") return;
  torch::NoGradGuard no_grad;
  const auto init_weight = [&](at::Tensor& w) {
    if (init == "kaiming")
      torch::nn::init::kaiming_normal_(w, 0, torch::kFanIn, torch::kReLU);
    else
      torch::nn::init::xavier_uniform_(w);
  };
  for (const auto& module : model.modules(/*include_self=*/false)) {
    if (auto* conv = module->as<torch::nn::Conv2d>()) {
      init_weight(conv->weight);
      if (conv->bias.defined()) conv->bias.zero_();
    } else if (auto* linear = module->as<torch::nn::Linear>()) {
      init_weight(linear->weight);
      if (linear->bias.defined()) linear->bias.zero_();
    } else if (auto* bn = module->as<torch::nn::BatchNorm2d>()) {
      bn->weight.fill_(1);
      bn->bias.zero_();
    }
  }
}

}  // namespace

namespace {

// The smallest square input `make` builds a model for that every layer takes (<= 1024), or 0.
int64_t smallest_input(const std::function<std::shared_ptr<ClassifierImpl>(const InputSpec&)>& make,
                       const InputSpec& input) {
  const auto fits = [&](int64_t size) {
    try {
      const InputSpec in{input.channels, size, size, input.num_classes};
      summarize(*make(in), in);
      return true;
    } catch (const ConfigError&) {
      return false;
    }
  };
  int64_t lo = std::max<int64_t>(1, std::min(input.height, input.width)) - 1, hi = std::max(input.height, input.width);
  while (hi <= 1024 && !fits(hi)) lo = hi, hi *= 2;
  if (hi > 1024) return 0;
  while (hi - lo > 1) {
    const auto mid = (lo + hi) / 2;
    (fits(mid) ? hi : lo) = mid;
  }
  return hi;
}

}  // namespace

std::shared_ptr<ClassifierImpl> make_model(const Config& config, const InputSpec& input) {
  const auto it = factories().find(config.model.name);
  if (!find_model(config.model.name) || it == factories().end())
    throw ConfigError(config.where("model.name") + ": model.name: unknown model '" + config.model.name +
                      "' (known: " + join(model_names(), ", ") + ")");
  check_model_keys(config);
  const auto make = [&](const InputSpec& in) { return it->second(config.model, in); };
  try {
    std::shared_ptr<ClassifierImpl> model;
    try {
      // One forward pass at batch 1 through every layer: an input too small for the
      // architecture is reported before training, naming the layer and the size it needs.
      model = make(input);
      summarize(*model, input);
    } catch (const LayerShapeError& e) {
      const auto need = smallest_input(make, input);
      throw ConfigError("model.name: " + config.model.name + " on " + std::to_string(input.channels) + "x" +
                        std::to_string(input.height) + "x" + std::to_string(input.width) + " inputs: " + e.what() +
                        (need ? "; it needs inputs of at least " + std::to_string(need) + "x" + std::to_string(need) +
                                    " (resize them in data.train_transforms and data.val_transforms)"
                              : std::string()));
    }
    apply_init(*model, config.model.init);
    return model;
  } catch (const ConfigError& e) {
    // "model.path: ..." points at model.path's line, anything else at model.name's.
    const std::string msg = e.what();
    const auto key = msg.substr(0, msg.find(':'));
    const auto keys = config_keys();
    const bool known = std::find(keys.begin(), keys.end(), key) != keys.end();
    throw ConfigError(config.where(known ? key : "model.name") + ": " + msg);
  }
}

std::vector<std::string> model_factory_names() {
  std::vector<std::string> names;
  for (const auto& [name, make] : factories()) names.push_back(name);
  return names;
}

}  // namespace imgcls
