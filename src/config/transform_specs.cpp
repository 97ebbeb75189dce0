#include "config/transform_specs.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "util/strings.hpp"

namespace imgcls {
namespace {

template <class T>
std::string show_list(const std::vector<T>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) s += ", ";
    if constexpr (std::is_floating_point_v<T>) s += shortest_text(v[i]);
    else s += std::to_string(v[i]);
  }
  return s + "]";
}

// What each transform takes: its parameters, and the one a bare value sets ("" = none).
struct Kind {
  std::string name;
  std::string bare;
  std::vector<std::string> params;
};

const std::vector<Kind>& kinds() {
  static const std::vector<Kind> k = {
      {"resize", "size", {"size", "interpolation"}},
      {"center_crop", "size", {"size"}},
      {"random_crop", "size", {"size", "padding", "pad_if_needed", "padding_mode", "fill"}},
      {"random_resized_crop", "size", {"size", "scale", "ratio", "interpolation"}},
      {"hflip", "p", {"p"}},
      {"vflip", "p", {"p"}},
      {"rotation", "degrees", {"degrees", "interpolation", "fill"}},
      {"color_jitter", "", {"brightness", "contrast", "saturation", "hue"}},
      {"grayscale", "num_output_channels", {"num_output_channels"}},
      {"normalize", "", {"mean", "std"}},
  };
  return k;
}

const Kind* find_kind(const std::string& name) {
  for (const auto& k : kinds())
    if (k.name == name) return &k;
  return nullptr;
}

// Parses one parameter value; throws TransformListError with `expected` on a bad value.
class ParamParser {
 public:
  ParamParser(int line, std::string subkey) : line_(line), subkey_(std::move(subkey)) {}

  [[noreturn]] void bad(const YAML::Node& n, const std::string& expected) const {
    throw TransformListError{line_, subkey_, expected, yaml_text(n)};
  }
  double number(const YAML::Node& n, const std::string& expected) const {
    if (!n.IsScalar()) bad(n, expected);
    try {
      const auto v = n.as<double>();
      if (!std::isfinite(v)) bad(n, expected);
      return v;
    } catch (const YAML::Exception&) {
      bad(n, expected);
    }
  }
  int64_t integer(const YAML::Node& n, const std::string& expected) const {
    if (!n.IsScalar()) bad(n, expected);
    try {
      return n.as<int64_t>();
    } catch (const YAML::Exception&) {
      bad(n, expected);
    }
  }
  // A number or a list of `min_len`..`max_len` numbers.
  std::vector<double> numbers(const YAML::Node& n, std::size_t min_len, std::size_t max_len,
                              const std::string& expected) const {
    std::vector<double> out;
    if (n.IsScalar()) {
      out.push_back(number(n, expected));
    } else if (n.IsSequence()) {
      for (const auto& item : n) out.push_back(number(item, expected));
    } else {
      bad(n, expected);
    }
    if (out.size() < min_len || out.size() > max_len) bad(n, expected);
    return out;
  }
  std::vector<int64_t> integers(const YAML::Node& n, std::vector<std::size_t> lengths, int64_t min_value,
                                const std::string& expected) const {
    std::vector<int64_t> out;
    if (n.IsScalar()) {
      out.push_back(integer(n, expected));
    } else if (n.IsSequence()) {
      for (const auto& item : n) out.push_back(integer(item, expected));
    } else {
      bad(n, expected);
    }
    if (std::find(lengths.begin(), lengths.end(), out.size()) == lengths.end()) bad(n, expected);
    for (auto v : out)
      if (v < min_value) bad(n, expected);
    return out;
  }
  std::string choice(const YAML::Node& n, const std::vector<std::string>& choices) const {
    const auto expected = "one of " + join(choices, ", ");
    if (!n.IsScalar() || std::find(choices.begin(), choices.end(), n.Scalar()) == choices.end()) bad(n, expected);
    return n.Scalar();
  }
  bool boolean(const YAML::Node& n) const {
    if (!n.IsScalar()) bad(n, "true or false");
    try {
      return n.as<bool>();
    } catch (const YAML::Exception&) {
      bad(n, "true or false");
    }
  }

 private:
  int line_;
  std::string subkey_;
};

const std::vector<std::string> kInterpolations = {"nearest", "bilinear", "bicubic", "area"};

// A color_jitter factor: x -> [max(0, 1 - x), 1 + x], or [min, max] with 0 <= min <= max.
std::vector<double> jitter_range(const ParamParser& pp, const YAML::Node& n) {
  const std::string expected = "a non-negative number or [min, max] with 0 <= min <= max";
  auto v = pp.numbers(n, 1, 2, expected);
  if (v.size() == 1) {
    if (v[0] < 0) pp.bad(n, expected);
    return {std::max(0.0, 1 - v[0]), 1 + v[0]};
  }
  if (v[0] < 0 || v[0] > v[1]) pp.bad(n, expected);
  return v;
}

void set_param(TransformSpec& t, const std::string& param, const YAML::Node& n, const ParamParser& pp) {
  if (param == "size") {
    t.size = pp.integers(n, {1, 2}, 1, t.name == "resize" ? "a positive integer (the shorter side) or [height, width]"
                                                           : "a positive integer or [height, width]");
    if (t.name != "resize" && t.size.size() == 1) t.size = {t.size[0], t.size[0]};
  } else if (param == "interpolation") {
    t.interpolation = pp.choice(n, kInterpolations);
  } else if (param == "padding") {
    t.padding = pp.integers(n, {1, 2, 4}, 0, "a non-negative integer, [left/right, top/bottom] or [left, top, right, bottom]");
  } else if (param == "pad_if_needed") {
    t.pad_if_needed = pp.boolean(n);
  } else if (param == "padding_mode") {
    t.padding_mode = pp.choice(n, {"constant", "edge", "reflect", "symmetric"});
  } else if (param == "fill") {
    t.fill = pp.number(n, "a pixel value in [0, 255]");
    if (t.fill < 0 || t.fill > 255) pp.bad(n, "a pixel value in [0, 255]");
  } else if (param == "p") {
    t.p = pp.number(n, "a probability in [0, 1]");
    if (t.p < 0 || t.p > 1) pp.bad(n, "a probability in [0, 1]");
  } else if (param == "scale") {
    const std::string expected = "[min, max] with 0 < min <= max";
    t.scale = pp.numbers(n, 2, 2, expected);
    if (t.scale[0] <= 0 || t.scale[0] > t.scale[1]) pp.bad(n, expected);
  } else if (param == "ratio") {
    const std::string expected = "[min, max] aspect ratios with 0 < min <= max";
    t.ratio = pp.numbers(n, 2, 2, expected);
    if (t.ratio[0] <= 0 || t.ratio[0] > t.ratio[1]) pp.bad(n, expected);
  } else if (param == "degrees") {
    const std::string expected = "a non-negative number d (for [-d, d]) or [min, max]";
    auto v = pp.numbers(n, 1, 2, expected);
    if (v.size() == 1) {
      if (v[0] < 0) pp.bad(n, expected);
      v = {-v[0], v[0]};
    }
    if (v[0] > v[1]) pp.bad(n, expected);
    t.degrees = v;
  } else if (param == "brightness") {
    t.brightness = jitter_range(pp, n);
  } else if (param == "contrast") {
    t.contrast = jitter_range(pp, n);
  } else if (param == "saturation") {
    t.saturation = jitter_range(pp, n);
  } else if (param == "hue") {
    const std::string expected = "a number in [0, 0.5] or [min, max] within [-0.5, 0.5]";
    auto v = pp.numbers(n, 1, 2, expected);
    if (v.size() == 1) {
      if (v[0] < 0 || v[0] > 0.5) pp.bad(n, expected);
      v = {-v[0], v[0]};
    }
    if (v[0] < -0.5 || v[1] > 0.5 || v[0] > v[1]) pp.bad(n, expected);
    t.hue = v;
  } else if (param == "num_output_channels") {
    t.num_output_channels = pp.integer(n, "1 or 3");
    if (t.num_output_channels != 1 && t.num_output_channels != 3) pp.bad(n, "1 or 3");
  } else if (param == "mean") {
    t.mean = pp.numbers(n, 1, 4, "a number or a list of numbers, one per channel");
  } else if (param == "std") {
    const std::string expected = "a positive number or a list of positive numbers, one per channel";
    t.std = pp.numbers(n, 1, 4, expected);
    for (double s : t.std)
      if (s <= 0) pp.bad(n, expected);
  }
}

TransformSpec parse_item(const YAML::Node& item, std::size_t index, int line) {
  const auto prefix = "[" + std::to_string(index) + "]";
  const auto names = join(transform_names(), ", ");
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
  const auto* kind = find_kind(name);
  if (!kind) {
    std::string hint;
    std::size_t best = 3;
    for (const auto& k : kinds())
      if (const auto d = edit_distance(name, k.name); d < best) best = d, hint = "; did you mean '" + k.name + "'?";
    throw TransformListError{line, prefix, "a transform name (" + names + ")" + hint, name};
  }
  TransformSpec t;
  t.name = name;
  if (name == "rotation") t.interpolation = "nearest";  // torchvision's RandomRotation default
  const auto subkey = prefix + "." + name;
  if (value.IsDefined() && value.IsMap()) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      const auto param = it->first.as<std::string>("");
      const int param_line = static_cast<int>(it->first.Mark().line) + 1;
      if (std::find(kind->params.begin(), kind->params.end(), param) == kind->params.end())
        throw TransformListError{param_line, subkey + "." + param,
                                 "a parameter of " + name + " (" + join(kind->params, ", ") + ")", param};
      set_param(t, param, it->second, ParamParser(param_line, subkey + "." + param));
    }
  } else if (value.IsDefined() && !value.IsNull()) {
    if (kind->bare.empty())
      throw TransformListError{line, subkey, "a map of parameters (" + join(kind->params, ", ") + ")", yaml_text(value)};
    set_param(t, kind->bare, value, ParamParser(line, subkey));
  }
  const auto missing = [&](const std::string& param) {
    throw TransformListError{line, subkey + "." + param, "a value: " + name + " needs " + param, "nothing"};
  };
  if ((name == "resize" || name == "center_crop" || name == "random_crop" || name == "random_resized_crop") &&
      t.size.empty())
    missing("size");
  if (name == "rotation" && t.degrees.empty()) missing("degrees");
  if (name == "normalize" && t.mean.empty()) missing("mean");
  if (name == "normalize" && t.std.empty()) missing("std");
  if (name == "normalize" && t.mean.size() != t.std.size() && t.mean.size() != 1 && t.std.size() != 1)
    throw TransformListError{line, subkey, "mean and std of the same length (one value per channel)",
                             show_list(t.mean) + " and " + show_list(t.std)};
  return t;
}

}  // namespace

std::string yaml_text(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "null";
  if (n.IsScalar()) return n.Scalar();
  YAML::Emitter e;
  e << YAML::Flow << n;
  return e.c_str();
}

const std::vector<std::string>& transform_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& k : kinds()) n.push_back(k.name);
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

std::string transform_list_yaml(const std::vector<TransformSpec>& list) {
  std::string s = "[";
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& t = list[i];
    std::vector<std::string> params;
    const auto add = [&](const std::string& k, const std::string& v) { params.push_back(k + ": " + v); };
    const auto& n = t.name;
    if (n == "resize" || n == "center_crop" || n == "random_crop" || n == "random_resized_crop") add("size", show_list(t.size));
    if (n == "random_crop") {
      if (!t.padding.empty()) add("padding", show_list(t.padding));
      add("pad_if_needed", t.pad_if_needed ? "true" : "false");
      add("padding_mode", t.padding_mode);
    }
    if (n == "random_resized_crop") add("scale", show_list(t.scale)), add("ratio", show_list(t.ratio));
    if (n == "rotation") add("degrees", show_list(t.degrees));
    if (n == "resize" || n == "random_resized_crop" || n == "rotation") add("interpolation", t.interpolation);
    if (n == "random_crop" || n == "rotation") add("fill", shortest_text(t.fill));
    if (n == "hflip" || n == "vflip") add("p", shortest_text(t.p));
    if (n == "color_jitter") {
      if (!t.brightness.empty()) add("brightness", show_list(t.brightness));
      if (!t.contrast.empty()) add("contrast", show_list(t.contrast));
      if (!t.saturation.empty()) add("saturation", show_list(t.saturation));
      if (!t.hue.empty()) add("hue", show_list(t.hue));
    }
    if (n == "grayscale") add("num_output_channels", std::to_string(t.num_output_channels));
    if (n == "normalize") add("mean", show_list(t.mean)), add("std", show_list(t.std));
    s += (i ? ", {" : "{") + n + ": {" + join(params, ", ") + "}}";
  }
  return s + "]";
}

}  // namespace imgcls
