// The config as text: the resolved config.yaml and one key's value, both printed by the
// schema's fields, so a key added to the schema appears in each.
#include <yaml-cpp/yaml.h>

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

}  // namespace imgcls
