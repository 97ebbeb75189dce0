// Loading: the YAML (or JSON) tree flattened into dotted keys with their lines, checked
// against the schema (unknown keys with a "did you mean", duplicates, sections), overrides
// applied on top, then each field parses its own value and the cross-key checks run.
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "config/checks.hpp"
#include "config/fail.hpp"
#include "config/schema.hpp"
#include "config/transform_specs.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"
#include "models/model_table.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace {

struct Leaf {
  YAML::Node node;
  std::string where;  // "file:line" or "override '...'"
};

void flatten(const YAML::Node& map, const std::string& prefix, const std::string& origin,
             std::map<std::string, Leaf>& out) {
  std::map<std::string, int> seen;  // key -> line, to catch duplicates yaml-cpp would hide
  for (auto it = map.begin(); it != map.end(); ++it) {
    const int line = it->first.Mark().line + 1;
    const auto where = origin + ":" + std::to_string(line);
    if (!it->first.IsScalar()) throw ConfigError(where + ": keys must be plain names");
    const auto name = it->first.Scalar();
    const auto key = prefix.empty() ? name : prefix + "." + name;
    if (auto [pos, inserted] = seen.emplace(name, line); !inserted)
      fail(where, key, "duplicate key (first given at line " + std::to_string(pos->second) + ")");
    if (find_field(key)) {
      out[key] = Leaf{it->second, where};
    } else if (is_section(key)) {
      if (it->second.IsNull()) continue;  // an empty section: all defaults
      if (!it->second.IsMap()) fail(where, key, "expected a mapping of keys, got '" + yaml_text(it->second) + "'");
      flatten(it->second, key, origin, out);
    } else {
      fail(where, key, "unknown key" + did_you_mean(key));
    }
  }
}

void apply_override(const std::string& text, std::map<std::string, Leaf>& leaves) {
  const auto where = "override '" + text + "'";
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError(where + ": expected KEY=VALUE with a dotted key, e.g. optimizer.lr=0.01");
  const auto key = text.substr(0, eq);
  if (!find_field(key)) {
    if (is_section(key)) fail(where, key, "is a section; override one of its keys, e.g. " + key + ".<key>=...");
    fail(where, key, "unknown key" + did_you_mean(key));
  }
  YAML::Node value;
  try {
    value = YAML::Load(text.substr(eq + 1));
  } catch (const YAML::Exception& e) {
    fail(where, key, "cannot parse the value: " + e.msg);
  }
  const auto raw = trim(text.substr(eq + 1));
  if (raw == "null" || raw == "~") {  // back to the default, as if the config did not set it
    leaves.erase(key);
    return;
  }
  leaves[key] = Leaf{value, where};
}

// A relative path value made absolute: against the config file's folder when the config
// file gave it, against the current directory when an override did.
void resolve_path(Leaf& leaf, const std::string& origin, const std::string& base_dir) {
  namespace fs = std::filesystem;
  if (!leaf.node.IsScalar() || leaf.node.Scalar().empty()) return;
  const fs::path value(leaf.node.Scalar());
  if (value.is_absolute()) return;
  const bool in_file = starts_with(leaf.where, origin + ":");
  const auto base = in_file ? fs::path(base_dir) : fs::current_path();
  leaf.node = YAML::Node((base / value).lexically_normal().string());
}

bool from_override(const Leaf& leaf) { return starts_with(leaf.where, "override '"); }

// model.name given as an override (switching the flowers config to a plain CNN): the file's
// model.* keys that the new model does not take are dropped. Returns the warning ("" when
// nothing that differs from its default was dropped).
std::string drop_other_models_keys(std::map<std::string, Leaf>& leaves) {
  const auto name = leaves.find("model.name");
  if (name == leaves.end() || !from_override(name->second) || !name->second.node.IsScalar()) return "";
  const auto* info = find_model(name->second.node.Scalar());
  if (!info) return "";  // the schema rejects the name
  const Config defaults;
  std::vector<std::string> dropped;
  for (const auto& field : schema()) {  // in schema order, as config.yaml lists the keys
    const auto& key = field.key;
    const auto it = leaves.find(key);
    if (it == leaves.end()) continue;
    const auto& leaf = it->second;
    const bool other = starts_with(key, "model.") && key != "model.name" && key != "model.init" &&
                       std::find(info->keys.begin(), info->keys.end(), key) == info->keys.end();
    if (!other || from_override(leaf)) continue;  // an override of such a key stays an error
    // A key at its default changes nothing: dropped without a word (a resolved config.yaml
    // lists every key).
    Config value;
    bool differs = true;
    try {
      if (field.set_at)
        field.set_at(value, leaf.node, [&](int) { return leaf.where; });
      else
        field.set(value, leaf.node);
      differs = value_text(value, key) != value_text(defaults, key);
    } catch (const BadValue&) {
    }
    if (differs) dropped.push_back(key + " (" + leaf.where + ")");
    leaves.erase(it);
  }
  if (dropped.empty()) return "";
  return name->second.where + ": ignoring " + join(dropped, ", ") + ": " + info->name + " does not take " +
         (dropped.size() == 1 ? "it" : "them");
}

YAML::Node parse_document(const std::string& text, const std::string& origin) {
  if (ends_with(to_lower(origin), ".json")) {
    // nlohmann checks strict JSON syntax (with line and column); yaml-cpp then gives the
    // tree with line numbers for every key (JSON is valid YAML 1.2 flow style).
    try {
      const auto checked = nlohmann::json::parse(text);
      static_cast<void>(checked);
    } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range: "number overflow" (fuzzing)
      std::string msg = e.what();
      const auto colon = msg.find("] ");
      throw ConfigError(origin + ": invalid JSON: " + (colon == std::string::npos ? msg : msg.substr(colon + 2)));
    }
  }
  try {
    return YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {  // its mark and message ("bad file") say nothing useful
    throw ConfigError(origin + ": invalid config: lists or maps nested " + std::to_string(e.depth()) +
                      " or more levels deep (yaml-cpp's limit; a config needs a few)");
  } catch (const YAML::ParserException& e) {
    throw ConfigError(origin + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                      ": invalid YAML: " + e.msg);
  }
}

}  // namespace

std::string Config::where(const std::string& dotted_key) const {
  const auto it = origins.find(dotted_key);
  return it == origins.end() ? std::string("default") : it->second;
}

namespace {

// parse_config; with `base_dir` (a config file's absolute folder), relative paths are resolved.
// `absent_version`: config_version when the text does not give it (by default the newest:
// Config's own).
Config parse_config_in(const std::string& text, const std::string& origin, const std::vector<std::string>& overrides,
                       const std::string& base_dir, int64_t absent_version = Config().config_version) {
  const auto doc = parse_document(text, origin);
  if (doc.IsNull()) throw ConfigError(origin + ": the config is empty; it needs at least data.dataset and model.name");
  if (!doc.IsMap()) throw ConfigError(origin + ":1: expected a mapping of keys at the top level");

  std::map<std::string, Leaf> leaves;
  flatten(doc, "", origin, leaves);
  for (const auto& o : overrides) apply_override(o, leaves);
  if (!base_dir.empty())
    for (auto& [key, leaf] : leaves)
      if (find_field(key)->is_path) resolve_path(leaf, origin, base_dir);
  const auto dropped = drop_other_models_keys(leaves);

  Config config;
  config.config_version = absent_version;
  if (!dropped.empty()) config.warnings.push_back(dropped);
  for (const auto& field : schema()) {
    const auto it = leaves.find(field.key);
    if (it == leaves.end()) {
      if (field.required) fail(origin, field.key, "required key is missing (expected " + field.expected + ")");
      continue;
    }
    // A line inside the value is only meaningful for the config file itself (an override's
    // value is parsed from the command line).
    const auto& where = it->second.where;
    const bool in_file = starts_with(where, origin + ":");
    const auto where_at = [&](int line) { return in_file ? origin + ":" + std::to_string(line) : where; };
    try {
      if (field.set_at)
        field.set_at(config, it->second.node, where_at);
      else
        field.set(config, it->second.node);
    } catch (const BadValue& bad) {
      // One line, whatever was given (a block list prints over several).
      auto got = bad.got.empty() ? yaml_text(it->second.node) : bad.got;
      for (auto at = got.find('\n'); at != std::string::npos; at = got.find('\n', at)) got.replace(at, 1, " ");
      fail(bad.line > 0 ? where_at(bad.line) : where, field.key + bad.subkey, "expected " + bad.expected + ", got '" + got + "'");
    }
    config.origins[field.key] = it->second.where;
  }
  // Before version 4 Adam ran LibTorch's per-tensor operations: an older run keeps its arithmetic.
  if (config.config_version < 4 && !leaves.count("optimizer.fused")) config.optimizer.fused = "false";
  check_combinations(config);
  if (config.config_version == 1) {  // after the defaults are filled in: they meant OpenCV's too
    config.data.train_transforms = with_v1_names(config.data.train_transforms, false);
    config.data.val_transforms = with_v1_names(config.data.val_transforms, false);
  }
  return config;
}

}  // namespace

Config parse_config(const std::string& text, const std::string& origin, const std::vector<std::string>& overrides) {
  return parse_config_in(text, origin, overrides, "");
}

namespace {

Config load_file(const std::string& path, const std::vector<std::string>& overrides, int64_t absent_version) {
  std::error_code ec;
  const auto kind = std::filesystem::status(path, ec);
  if (!ec && std::filesystem::is_directory(kind))
    throw ConfigError(path + ": is a folder, not a config file (.yaml, .yml or .json)");
  if (!ec && !std::filesystem::is_regular_file(kind))  // a FIFO would block the read
    throw ConfigError(path + ": not a regular file (a FIFO, socket or device); give a config file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot open the config file");
  std::ostringstream text;
  text << in.rdbuf();
  const auto folder = std::filesystem::absolute(path).parent_path().lexically_normal().string();
  return parse_config_in(text.str(), path, overrides, folder, absent_version);
}

}  // namespace

Config load_config(const std::string& path, const std::vector<std::string>& overrides) {
  return load_file(path, overrides, Config().config_version);
}

Config load_run_config(const std::string& path, const std::vector<std::string>& overrides) {
  return load_file(path, overrides, 1);
}

}  // namespace imgcls
