// The config as text: the resolved config.yaml and one key's value, both printed by the
// schema's fields, so a key added to the schema appears in each.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "config/schema.hpp"
#include "data/dataset_table.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"
#include "models/model_table.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace {

// Whether `key` means anything for `c`: image-folder keys for image folders, a model's own
// keys (the model table's), an optimizer's or a schedule's parameters for that one, train.mixup
// and train.ema's settings when they are on.
bool applies(const std::string& key, const Config& c) {
  static const std::map<std::string, std::set<std::string>> by_choice = {
      {"optimizer.momentum", {"sgd", "rmsprop"}},
      {"optimizer.dampening", {"sgd"}},
      {"optimizer.nesterov", {"sgd"}},
      {"optimizer.betas", {"adam", "adamw"}},
      {"optimizer.eps", {"adam", "adamw", "rmsprop"}},
      {"optimizer.fused", {"adam", "adamw"}},
      {"optimizer.alpha", {"rmsprop"}},
      {"scheduler.step_size", {"step"}},
      {"scheduler.gamma", {"step", "multistep", "exponential"}},
      {"scheduler.milestones", {"multistep"}},
      {"scheduler.t_max", {"cosine"}},
      {"scheduler.eta_min", {"cosine"}},
      {"scheduler.monitor", {"plateau"}},
      {"scheduler.mode", {"plateau"}},
      {"scheduler.factor", {"plateau"}},
      {"scheduler.patience", {"plateau"}},
      {"scheduler.threshold", {"plateau"}},
      {"scheduler.threshold_mode", {"plateau"}},
      {"scheduler.cooldown", {"plateau"}},
      {"scheduler.min_lr", {"plateau"}},
      {"scheduler.max_lr", {"onecycle"}},
      {"scheduler.pct_start", {"onecycle"}},
      {"scheduler.anneal", {"onecycle"}},
      {"scheduler.div_factor", {"onecycle"}},
      {"scheduler.final_div_factor", {"onecycle"}},
  };
  if (const auto it = by_choice.find(key); it != by_choice.end())
    return it->second.count(starts_with(key, "optimizer.") ? c.optimizer.name : c.scheduler.name) > 0;
  const auto& data = dataset_info(c.data.dataset);
  const bool folder = data.format == DatasetFormat::kImageFolder;
  if (key == "data.train_root" || key == "data.val_root" || key == "data.test_root" || key == "data.channels" ||
      key == "data.image_size" || key == "data.on_bad_image")
    return folder;
  if (key == "data.device_resident") return !folder;
  if (key == "data.label") return data.coarse_classes > 0;
  // train.mixup's keys with mixing on, train.ema's (but enabled) with the average on.
  if (starts_with(key, "train.mixup.")) return c.train.mixup.enabled();
  if (starts_with(key, "train.ema.") && key != "train.ema.enabled") return c.train.ema.enabled;
  if (starts_with(key, "model.") && key != "model.name" && key != "model.init") {
    const auto* model = find_model(c.model.name);
    return !model || std::find(model->keys.begin(), model->keys.end(), key) != model->keys.end();
  }
  return true;
}

}  // namespace

std::string to_yaml(const Config& config) {
  Config copy = config;  // the field accessors take a mutable Config
  Config defaults;
  YAML::Node root(YAML::NodeType::Map);
  for (const auto& field : schema()) {
    // A key that does not apply is left out when it holds its default (it always does, once
    // the checks have run), so the file loads back to the same config.
    if (!applies(field.key, copy) && field.show(copy) == field.show(defaults)) continue;
    std::vector<std::string> parts;
    std::stringstream key(field.key);
    for (std::string part; std::getline(key, part, '.');) parts.push_back(part);
    YAML::Node node;
    node.reset(root);  // yaml-cpp nodes are references: reset() rebinds, = would assign
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      if (!node[parts[i]]) node[parts[i]] = YAML::Node(YAML::NodeType::Map);
      YAML::Node child = node[parts[i]];
      node.reset(child);
    }
    const auto text = field.show(copy);
    YAML::Node value;
    if (!text.empty() && text.front() == '[') {
      value = YAML::Load(text);
      value.SetStyle(YAML::EmitterStyle::Flow);
    } else if (text == "null") {  // an optional key left unset (optional_number_field)
      value = YAML::Node(YAML::NodeType::Null);
    } else {
      value = text;
    }
    node[parts.back()] = value;
  }
  YAML::Emitter out;
  out.SetNullFormat(YAML::LowerNull);
  out << root;
  return std::string(out.c_str()) + "\n";
}

std::string value_text(const Config& config, const std::string& dotted_key) {
  const auto* field = find_field(dotted_key);
  if (!field) throw ConfigError(dotted_key + ": unknown key" + did_you_mean(dotted_key));
  Config copy = config;
  return field->show(copy);
}

}  // namespace imgcls
