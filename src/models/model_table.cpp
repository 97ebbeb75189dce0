#include "models/model_table.hpp"

#include <algorithm>

#include "imgcls/errors.hpp"
#include "util/strings.hpp"

namespace imgcls {

const std::vector<ModelInfo>& model_table() {
  static const std::vector<ModelInfo> models = {
      {"basic_cnn", "seed 004 BasicCNN: conv16-pool-conv32-pool, fc128", {}},
      {"baseline_cnn", "seeds 000/002 baseline: six 3x3 convs, three pools, fc1024-fc512", {}, true},
      {"cifar10_cnn", "seed 004 CIFAR10CNN (ComplexCNN's stack on 3x32x32)", {}, true},
      {"cifar_cnn",
       "seed 001 Cifar100_CNN; model.hidden_size, model.pooling: stride|max|avg",
       {"model.hidden_size", "model.pooling"}, true},
      {"complex_cnn", "seed 004 ComplexCNN: 2x conv32, pool, 2x conv64, pool, fc256", {}, true},
      {"mlp",
       "seed 004 MLPs; model.hidden, model.activation, model.dropout",
       {"model.hidden", "model.activation", "model.dropout"}},
      {"residual_cnn",
       "seed 000 EnhancedCNN: 7x7 stem, residual stages; model.widths, model.blocks, model.stem_channels, "
       "model.sync_batchnorm",
       {"model.widths", "model.blocks", "model.stem_channels", "model.sync_batchnorm"}},
      {"torchscript",
       "a TorchScript backbone (scripts/export_resnet.py) + a new linear head; model.path, model.freeze_backbone, "
       "model.unfreeze_at_epoch",
       {"model.path", "model.freeze_backbone", "model.unfreeze_at_epoch"}},
      {"vgg_cnn",
       "VGG-style: per stage model.blocks x (conv3x3-BN-ReLU) at each of model.widths, max-pool; FC model.hidden "
       "with model.dropout; model.sync_batchnorm",
       {"model.widths", "model.blocks", "model.hidden", "model.dropout", "model.sync_batchnorm"}},
  };
  return models;
}

const ModelInfo* find_model(const std::string& name) {
  for (const auto& m : model_table())
    if (m.name == name) return &m;
  return nullptr;
}

std::vector<std::string> model_names() {
  std::vector<std::string> names;
  for (const auto& m : model_table()) names.push_back(m.name);
  std::sort(names.begin(), names.end());
  return names;
}

std::string model_description(const std::string& name) {
  const auto* m = find_model(name);
  return m ? m->description : "";
}

void check_model_keys(const Config& config) {
  const auto* info = find_model(config.model.name);
  if (!info) return;
  const auto& takes = info->keys;
  const Config defaults;
  std::vector<std::string> other;  // set keys of other models
  for (const auto& key : config_keys()) {
    if (!starts_with(key, "model.") || key == "model.name" || key == "model.init") continue;
    if (std::find(takes.begin(), takes.end(), key) != takes.end()) continue;
    if (value_text(config, key) != value_text(defaults, key)) other.push_back(key);
  }
  if (other.empty()) return;
  std::string nulls;  // the overrides that put them back to their defaults
  for (const auto& key : other) nulls += (nulls.empty() ? "" : " ") + key + "=null";
  throw ConfigError(config.where(other.front()) + ": " + other.front() + ": " + config.model.name +
                    " does not take this key (it takes " +
                    (takes.empty() ? std::string("none besides model.init") : join(takes, ", ")) + "); remove " +
                    (other.size() == 1 ? "it" : join(other, ", ")) + " from the config, or add " + nulls +
                    " to the command line");
}

}  // namespace imgcls
