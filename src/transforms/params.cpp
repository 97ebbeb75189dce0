#include "transforms/params.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>

#include "util/strings.hpp"

namespace imgcls {

std::string yaml_text(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "null";
  if (n.IsScalar()) return n.Scalar();
  YAML::Emitter e;
  e << YAML::Flow << n;
  return e.c_str();
}

void ParamReader::bad(const YAML::Node& n, const std::string& expected) const {
  throw TransformListError{line_, subkey_, expected, yaml_text(n)};
}

double ParamReader::number(const YAML::Node& n, const std::string& expected) const {
  if (!n.IsScalar()) bad(n, expected);
  try {
    const auto v = n.as<double>();
    if (!std::isfinite(v)) bad(n, expected);
    return v;
  } catch (const YAML::Exception&) {
    bad(n, expected);
  }
}

int64_t ParamReader::integer(const YAML::Node& n, const std::string& expected) const {
  if (!n.IsScalar()) bad(n, expected);
  try {
    return n.as<int64_t>();
  } catch (const YAML::Exception&) {
    bad(n, expected);
  }
}

std::vector<double> ParamReader::numbers(const YAML::Node& n, std::size_t min_len, std::size_t max_len,
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

std::vector<int64_t> ParamReader::integers(const YAML::Node& n, const std::vector<std::size_t>& lengths,
                                           int64_t min_value, const std::string& expected) const {
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

std::string ParamReader::choice(const YAML::Node& n, const std::vector<std::string>& choices) const {
  const auto expected = "one of " + join(choices, ", ");
  if (!n.IsScalar() || std::find(choices.begin(), choices.end(), n.Scalar()) == choices.end()) bad(n, expected);
  return n.Scalar();
}

bool ParamReader::boolean(const YAML::Node& n) const {
  if (!n.IsScalar()) bad(n, "true or false");
  try {
    return n.as<bool>();
  } catch (const YAML::Exception&) {
    bad(n, "true or false");
  }
}

std::string show_list(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

std::string show_list(const std::vector<double>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + shortest_text(v[i]);
  return s + "]";
}

ParamDescriptor crop_size_param() {
  return {"size", true,
          [](const ParamReader& r, const YAML::Node& n, TransformSpec& t) {
            t.size = r.integers(n, {1, 2}, 1, "a positive integer or [height, width]");
            if (t.size.size() == 1) t.size = {t.size[0], t.size[0]};
          },
          [](const TransformSpec& t) -> std::optional<std::string> { return show_list(t.size); }};
}

ParamDescriptor interpolation_param() {
  return {"interpolation", false,
          [](const ParamReader& r, const YAML::Node& n, TransformSpec& t) {
            t.interpolation = r.choice(n, {"nearest", "bilinear", "bicubic", "area"});
          },
          [](const TransformSpec& t) -> std::optional<std::string> { return t.interpolation; }};
}

const std::vector<std::string>& resize_interpolations() {
  static const std::vector<std::string> names = {"bilinear", "bicubic", "nearest",  "box",      "hamming",
                                                 "lanczos",  "area",    "cv_linear", "cv_cubic", "cv_nearest"};
  return names;
}

ParamDescriptor resize_interpolation_param() {
  return {"interpolation", false,
          [](const ParamReader& r, const YAML::Node& n, TransformSpec& t) {
            t.interpolation = r.choice(n, resize_interpolations());
          },
          [](const TransformSpec& t) -> std::optional<std::string> { return t.interpolation; }};
}

std::string interpolation_name_v1(const std::string& name, bool to_v1) {
  static const std::pair<const char*, const char*> renamed[] = {
      {"bilinear", "cv_linear"}, {"bicubic", "cv_cubic"}, {"nearest", "cv_nearest"}};
  for (const auto& [v1, now] : renamed) {
    if (!to_v1 && name == v1) return now;
    if (to_v1 && name == now) return v1;
  }
  return name;
}

ParamDescriptor fill_param() {
  return {"fill", false,
          [](const ParamReader& r, const YAML::Node& n, TransformSpec& t) {
            t.fill = r.number(n, "a pixel value in [0, 255]");
            if (t.fill < 0 || t.fill > 255) r.bad(n, "a pixel value in [0, 255]");
          },
          [](const TransformSpec& t) -> std::optional<std::string> { return shortest_text(t.fill); }};
}

}  // namespace imgcls
