// The config as text: the resolved config.yaml, one key's value, and the resume hash; all
// printed by the schema's fields, so a key added to the schema appears in each.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <cstdio>
#include <set>
#include <sstream>

#include "config/schema.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"

namespace imgcls {

std::string to_yaml(const Config& config) {
  Config copy = config;  // the field accessors take a mutable Config
  YAML::Node root(YAML::NodeType::Map);
  for (const auto& field : schema()) {
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
    } else {
      value = text;
    }
    node[parts.back()] = value;
  }
  YAML::Emitter out;
  out << root;
  return std::string(out.c_str()) + "\n";
}

std::string value_text(const Config& config, const std::string& dotted_key) {
  const auto* field = find_field(dotted_key);
  if (!field) throw ConfigError(dotted_key + ": unknown key" + did_you_mean(dotted_key));
  Config copy = config;
  return field->show(copy);
}

std::string frozen_config_hash(const Config& config) {
  // Loader settings do not change results: batches and augmentations depend only on the seed.
  static const std::set<std::string> may_change = {"name",
                                                   "device",
                                                   "threads",
                                                   "train.epochs",
                                                   "train.log_every",
                                                   "data.workers",
                                                   "data.prefetch",
                                                   "data.device_resident",
                                                   "logging.tensorboard"};
  Config copy = config;
  std::string text;
  for (const auto& field : schema())
    if (!may_change.count(field.key)) text += field.key + "=" + field.show(copy) + "\n";
  // FNV-1a, 64 bit: stable across runs and platforms (std::hash is not).
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char ch : text) h = (h ^ ch) * 1099511628211ULL;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace imgcls
