#include "config/transform_specs.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "transforms/params.hpp"
#include "transforms/transform.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace {

std::vector<std::string> param_names(const TransformDescriptor& d) {
  std::vector<std::string> names;
  for (const auto& p : d.params) names.push_back(p.name);
  return names;
}

const ParamDescriptor* find_param(const TransformDescriptor& d, const std::string& name) {
  for (const auto& p : d.params)
    if (p.name == name) return &p;
  return nullptr;
}

// "; did you mean 'hflip'?" for a near miss of one of our names, else for torchvision's class
// name ("RandomHorizontalFlip", any case), else "".
std::string did_you_mean(const std::string& name) {
  std::string hint;
  std::size_t best = 3;
  for (const auto* d : transform_descriptors())
    if (const auto dist = edit_distance(name, d->name); dist < best) best = dist, hint = "; did you mean '" + d->name + "'?";
  if (!hint.empty()) return hint;
  const auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
  };
  for (const auto* d : transform_descriptors())
    if (edit_distance(lower(name), lower(d->torchvision_name)) < 3)
      return "; did you mean '" + d->name + "' (torchvision's " + d->torchvision_name + ")?";
  return "";
}

TransformSpec parse_item(const YAML::Node& item, std::size_t index, int line) {
  const auto prefix = "[" + std::to_string(index) + "]";
  std::string name;
  YAML::Node value;
  if (item.IsScalar()) {
    name = item.Scalar();
  } else if (item.IsMap() && item.size() == 1) {
    name = item.begin()->first.as<std::string>("");
    value = item.begin()->second;
  } else {
    throw TransformListError{line, prefix, "a transform: a name, or a map of one name to its parameters",
                             yaml_text(item)};
  }
  const auto* d = find_transform(name);
  if (!d)
    throw TransformListError{line, prefix,
                             "a transform name (" + join(transform_names(), ", ") + ")" + did_you_mean(name), name};
  TransformSpec t;
  t.name = name;
  if (d->init) d->init(t);
  const auto subkey = prefix + "." + name;
  std::set<std::string> given;
  if (value.IsDefined() && value.IsMap()) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      const auto param = it->first.as<std::string>("");
      const int param_line = static_cast<int>(it->first.Mark().line) + 1;
      const auto* p = find_param(*d, param);
      if (!p)
        throw TransformListError{param_line, subkey + "." + param,
                                 "a parameter of " + name + " (" + join(param_names(*d), ", ") + ")", param};
      p->parse(ParamReader(param_line, subkey + "." + param), it->second, t);
      given.insert(param);
    }
  } else if (value.IsDefined() && !value.IsNull()) {
    if (d->bare.empty())
      throw TransformListError{line, subkey, "a map of parameters (" + join(param_names(*d), ", ") + ")",
                               yaml_text(value)};
    find_param(*d, d->bare)->parse(ParamReader(line, subkey), value, t);
    given.insert(d->bare);
  }
  for (const auto& p : d->params)
    if (p.required && !given.count(p.name))
      throw TransformListError{line, subkey + "." + p.name, "a value: " + name + " needs " + p.name, "nothing"};
  if (d->check) d->check(t, line, subkey);
  return t;
}

}  // namespace

const std::vector<std::string>& transform_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto* d : transform_descriptors()) n.push_back(d->name);
    return n;
  }();
  return names;
}

std::vector<TransformSpec> parse_transform_list(const YAML::Node& list,
                                                const std::function<std::string(int)>& where_at) {
  const int list_line = static_cast<int>(list.Mark().line) + 1;
  if (list.IsNull()) return {};
  if (!list.IsSequence())
    throw TransformListError{list_line, "", "a list of transforms, e.g. [resize: 256, center_crop: 224]",
                             yaml_text(list)};
  std::vector<TransformSpec> out;
  std::size_t index = 0;
  for (const auto& item : list) {
    const int line = static_cast<int>(item.Mark().line) + 1;
    auto spec = parse_item(item, index++, line);
    spec.where = where_at(line);
    out.push_back(std::move(spec));
  }
  return out;
}

std::vector<TransformSpec> with_v1_names(std::vector<TransformSpec> list, bool to_v1) {
  for (auto& t : list)
    if (t.name == "resize" || t.name == "random_resized_crop")
      t.interpolation = interpolation_name_v1(t.interpolation, to_v1);
  return list;
}

std::string transform_list_yaml(const std::vector<TransformSpec>& list) {
  std::string s = "[";
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& t = list[i];
    std::vector<std::string> params;
    for (const auto& p : transform_of(t).params)
      if (const auto text = p.print(t)) params.push_back(p.name + ": " + *text);
    s += (i ? ", {" : "{") + t.name + ": {" + join(params, ", ") + "}}";
  }
  return s + "]";
}

}  // namespace imgcls
