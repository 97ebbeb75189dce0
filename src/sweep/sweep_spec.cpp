#include "sweep/sweep_spec.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "config/fail.hpp"
#include "config/schema.hpp"
#include "config/transform_specs.hpp"
#include "imgcls/errors.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace fs = std::filesystem;
namespace {

struct Where {
  std::string path;
  std::string at(const YAML::Node& n) const { return path + ":" + std::to_string(n.Mark().line + 1); }
};

// A mapping's entries in file order; duplicate keys (which yaml-cpp would silently keep the
// first of) are an error.
std::vector<std::pair<std::string, YAML::Node>> entries(const YAML::Node& map, const Where& w, const std::string& key) {
  if (!map.IsMap()) fail(w.at(map), key + ": expected a mapping of dotted config keys, got '" + yaml_text(map) + "'");
  std::vector<std::pair<std::string, YAML::Node>> out;
  std::map<std::string, int> seen;
  for (const auto& kv : map) {
    if (!kv.first.IsScalar())
      fail(w.at(kv.first), key + ": expected dotted config keys, got the key '" + yaml_text(kv.first) + "'");
    const auto k = kv.first.as<std::string>();
    const int line = kv.first.Mark().line + 1;
    if (const auto it = seen.find(k); it != seen.end())
      fail(w.path + ":" + std::to_string(line), key + "." + k + ": duplicate key (first given at line " +
                                                    std::to_string(it->second) + ")");
    seen[k] = line;
    out.emplace_back(k, kv.second);
  }
  return out;
}

std::string leaf(const std::string& dotted) {
  const auto dot = dotted.rfind('.');
  return dot == std::string::npos ? dotted : dotted.substr(dot + 1);
}

// "key=value" for a trial; a relative path value (data.root, model.path, ...) is relative to
// the sweep file's folder, as a config file's paths are to the config's.
std::string sweep_override(const std::string& key, const std::string& value, const std::string& sweep_path) {
  const auto* field = find_field(key);
  const auto v = trim(value);
  if (field && field->is_path && !v.empty() && v != "null" && v != "~" && v != "\"\"" && v != "''" &&
      fs::path(v).is_relative())
    return key + "=" + (fs::absolute(sweep_path).parent_path() / v).lexically_normal().string();
  return key + "=" + value;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot read the sweep file");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::string name_part(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '.' && !out.empty() && out.back() == '.') continue;  // "../data" -> ".-data": never ".."
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') out += c;
    else if (c == ',') out += 'x';
    else if (c == ' ' || c == '[' || c == ']' || c == '{' || c == '}' || c == '"' || c == '\'') continue;
    else out += '-';
  }
  return out.empty() ? "empty" : out;
}

std::string overrides_name_suffix(const std::vector<std::string>& overrides) {
  const auto resumable = resumable_keys();
  std::string suffix;
  for (const auto& o : overrides) {
    const auto eq = o.find('=');
    if (eq == std::string::npos) continue;  // load_config has refused it already
    const auto key = trim(o.substr(0, eq));
    if (key == "name") return "";
    if (key != "train.epochs" && std::find(resumable.begin(), resumable.end(), key) != resumable.end()) continue;
    suffix += "_" + leaf(key) + "-" + name_part(trim(o.substr(eq + 1)));
  }
  constexpr std::size_t kMax = 80;
  if (suffix.size() > kMax) {
    uint64_t h = 1469598103934665603ULL;  // FNV-1a of the whole suffix
    for (unsigned char ch : suffix) h = (h ^ ch) * 1099511628211ULL;
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08llx", static_cast<unsigned long long>(h & 0xffffffffULL));
    suffix = suffix.substr(0, kMax - 9) + "-" + hex;
  }
  return suffix;
}

SweepSpec load_sweep(const std::string& path, const std::vector<std::string>& extra) {
  const Where w{path};
  YAML::Node doc;
  try {
    doc = YAML::Load(read_file(path));
  } catch (const YAML::DeepRecursion& e) {  // its mark and message ("bad file") say nothing useful
    fail(path, "invalid YAML: lists or maps nested " + std::to_string(e.depth()) + " or more levels deep");
  } catch (const YAML::ParserException& e) {
    fail(path + ":" + std::to_string(e.mark.line + 1), "invalid YAML: " + e.msg);
  }
  if (!doc.IsMap()) fail(path + ":1", "expected a mapping with base, and grid and/or variants");
  SweepSpec spec;
  spec.path = path;
  spec.name = fs::path(path).stem().string();
  std::vector<std::pair<std::string, YAML::Node>> fixed, grid;
  YAML::Node variants;
  bool have_variants = false, named = false;
  const auto text = [&](const YAML::Node& v, const std::string& key) {
    if (!v.IsScalar()) fail(w.at(v), key + ": expected a string, got '" + yaml_text(v) + "'");
    return v.as<std::string>();
  };
  for (const auto& [key, value] : entries(doc, w, "sweep")) {
    if (key == "base") spec.base = text(value, key);
    else if (key == "name") spec.name = text(value, key), named = true;
    else if (key == "fixed") fixed = entries(value, w, "fixed");
    else if (key == "grid") grid = entries(value, w, "grid");
    else if (key == "variants") variants = value, have_variants = true;
    else fail(w.at(value), key + ": unknown sweep key (expected base, name, fixed, grid, variants)");
  }
  if (spec.base.empty()) fail(path + ":1", "base: required: the config every trial starts from");
  if (fs::path(spec.base).is_relative()) spec.base = (fs::path(path).parent_path() / spec.base).lexically_normal().string();
  if (!fs::exists(spec.base)) fail(path, "base: '" + spec.base + "' does not exist");
  // The sweep's folder is sweeps/<name> (or --out): a name never leads out of it.
  if (!is_folder_name(spec.name))
    fail(path, "name: '" + spec.name + "': use letters, digits, '.', '_' or '-', without '..'" +
                   (named ? "" : " (the name is the sweep file's; give name: to choose another)"));

  // Grid axes: each a non-empty list of values.
  std::vector<std::vector<std::string>> axes;
  for (const auto& [key, values] : grid) {
    if (!values.IsSequence() || values.size() == 0)
      fail(w.at(values), "grid." + key + ": expected a non-empty list of values, got '" + yaml_text(values) + "'");
    spec.grid_keys.push_back(key);
    std::vector<std::string> axis;
    for (const auto& v : values) axis.push_back(yaml_text(v));
    axes.push_back(axis);
  }
  // Variants: a list of {name, set}.
  struct Variant {
    std::string name;
    std::vector<std::string> overrides;
  };
  std::vector<Variant> vars;
  if (have_variants) {
    if (!variants.IsSequence() || variants.size() == 0)
      fail(w.at(variants), "variants: expected a non-empty list of {name: ..., set: {key: value}}");
    std::set<std::string> names;
    for (std::size_t i = 0; i < variants.size(); ++i) {
      const auto v = variants[i];
      const auto where = "variants[" + std::to_string(i) + "]";
      if (!v.IsMap() || !v["name"] || !v["set"]) fail(w.at(v), where + ": expected {name: ..., set: {key: value}}");
      for (const auto& kv : v)
        if (!kv.first.IsScalar() || (kv.first.as<std::string>() != "name" && kv.first.as<std::string>() != "set"))
          fail(w.at(kv.first), where + "." + yaml_text(kv.first) + ": unknown key (expected name, set)");
      const auto raw_name = text(v["name"], where + ".name");
      // A variant's name is its trials' folder inside the sweep's: no '/' or '..'.
      if (raw_name.find('/') != std::string::npos || raw_name.find("..") != std::string::npos || raw_name == ".")
        fail(w.at(v["name"]), where + ".name: '" + raw_name + "': a trial folder's name cannot contain '/' or '..'");
      Variant var{name_part(raw_name), {}};
      if (!names.insert(var.name).second) fail(w.at(v), where + ".name: '" + var.name + "' is used twice");
      for (const auto& [key, value] : entries(v["set"], w, where + ".set"))
        var.overrides.push_back(sweep_override(key, yaml_text(value), path));
      vars.push_back(var);
    }
    spec.has_variants = true;
  } else {
    vars.push_back(Variant{});
  }
  if (axes.empty() && !spec.has_variants) fail(path + ":1", "nothing to sweep: give grid and/or variants");
  // Every trial is a validated config: refuse a grid too large to expand before expanding it.
  double count = static_cast<double>(vars.size());
  std::string sizes = vars.size() > 1 ? std::to_string(vars.size()) + " variants" : "";
  for (std::size_t a = 0; a < axes.size(); ++a) {
    count *= static_cast<double>(axes[a].size());
    sizes += (sizes.empty() ? "" : " x ") + std::to_string(axes[a].size()) + " " + spec.grid_keys[a];
  }
  if (count > static_cast<double>(kMaxSweepTrials))
    fail(path, "the grid makes " + imgcls::fixed(count, 0) + " trials (" + sizes + "); a sweep takes at most " +
                   std::to_string(kMaxSweepTrials) + ": narrow the grid or split it into several sweeps");

  std::vector<std::string> common;
  for (const auto& [key, value] : fixed) common.push_back(sweep_override(key, yaml_text(value), path));
  common.insert(common.end(), extra.begin(), extra.end());

  std::set<std::string> names;
  for (const auto& var : vars) {
    std::vector<std::size_t> index(axes.size(), 0);
    while (true) {
      Trial t;
      t.variant = var.name;
      std::string name = var.name;
      t.overrides = common;
      t.overrides.insert(t.overrides.end(), var.overrides.begin(), var.overrides.end());
      for (std::size_t a = 0; a < axes.size(); ++a) {
        const auto& value = axes[a][index[a]];
        t.values.emplace_back(spec.grid_keys[a], value);
        t.overrides.push_back(sweep_override(spec.grid_keys[a], value, path));
        name += (name.empty() ? "" : "_") + leaf(spec.grid_keys[a]) + "-" + name_part(value);
      }
      if (name.empty()) name = "trial";
      if (!names.insert(name).second) {
        int n = 2;
        while (!names.insert(name + "-" + std::to_string(n)).second) ++n;
        name += "-" + std::to_string(n);
      }
      t.name = name;
      if (!is_folder_name(spec.name + "." + name))
        fail(path, "trial '" + name + "': the run name '" + spec.name + "." + name +
                       "' would contain '..'; rename the sweep or the variant");
      try {
        t.config = load_config(spec.base, t.overrides);
      } catch (const ConfigError& e) {
        throw ConfigError(path + ": trial '" + name + "': " + e.what());
      }
      t.config.name = spec.name + "." + name;
      spec.trials.push_back(std::move(t));
      // Next grid point: the last axis varies fastest.
      std::size_t a = axes.size();
      while (a > 0 && ++index[a - 1] == axes[a - 1].size()) index[--a] = 0;
      if (a == 0) break;
    }
  }
  return spec;
}

}  // namespace imgcls
