#include "config/fields.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>

#include "config/transform_specs.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace {

template <class T>
T parse_scalar(const YAML::Node& n, const std::string& expected) {
  if (!n.IsScalar()) throw BadValue{expected};
  try {
    return n.as<T>();
  } catch (const YAML::Exception&) {
    throw BadValue{expected};
  }
}

// A field with only its key and what a valid value is; the maker fills in set and show.
Field blank(std::string key, std::string expected) {
  Field f;
  f.key = std::move(key);
  f.expected = std::move(expected);
  return f;
}

}  // namespace

Field number_field(std::string key, Ref<double> ref, std::string expected, std::function<bool(double)> ok) {
  auto f = blank(std::move(key), expected);
  f.set = [ref, ok, expected](Config& c, const YAML::Node& n) {
    const auto v = parse_scalar<double>(n, expected);
    if (!std::isfinite(v) || !ok(v)) throw BadValue{expected};
    ref(c) = v;
  };
  f.show = [ref](Config& c) { return shortest_text(ref(c)); };
  return f;
}

Field optional_number_field(std::string key, Ref<double> ref, std::string expected, std::function<bool(double)> ok) {
  auto f = blank(std::move(key), expected);
  f.set = [ref, ok, expected](Config& c, const YAML::Node& n) {
    if (n.IsNull() || (n.IsScalar() && (n.Scalar() == "null" || n.Scalar() == "~"))) {  // null, however it came
      ref(c) = kUnsetNumber;
      return;
    }
    const auto v = parse_scalar<double>(n, expected);
    if (!std::isfinite(v) || !ok(v)) throw BadValue{expected};
    ref(c) = v;
  };
  f.show = [ref](Config& c) { return std::isnan(ref(c)) ? std::string("null") : shortest_text(ref(c)); };
  return f;
}

Field int_field(std::string key, Ref<int64_t> ref, int64_t min_value, std::string expected) {
  auto f = blank(std::move(key), expected);
  f.set = [ref, min_value, expected](Config& c, const YAML::Node& n) {
    const auto v = parse_scalar<int64_t>(n, expected);
    if (v < min_value) throw BadValue{expected};
    ref(c) = v;
  };
  f.show = [ref](Config& c) { return std::to_string(ref(c)); };
  return f;
}

Field bool_field(std::string key, Ref<bool> ref) {
  auto f = blank(std::move(key), "true or false");
  f.set = [ref](Config& c, const YAML::Node& n) { ref(c) = parse_scalar<bool>(n, "true or false"); };
  f.show = [ref](Config& c) { return std::string(ref(c) ? "true" : "false"); };
  return f;
}

Field string_field(std::string key, Ref<std::string> ref, std::string expected,
                   std::function<bool(const std::string&)> ok) {
  auto f = blank(std::move(key), expected);
  f.set = [ref, ok, expected](Config& c, const YAML::Node& n) {
    if (n.IsNull() || !n.IsScalar()) throw BadValue{expected};
    const auto v = n.Scalar();
    if (!ok(v)) throw BadValue{expected};
    ref(c) = v;
  };
  f.show = [ref](Config& c) { return ref(c); };
  return f;
}

Field choice_field(std::string key, Ref<std::string> ref, std::vector<std::string> choices) {
  const auto expected = "one of " + join(choices, ", ");
  return string_field(std::move(key), std::move(ref), expected, [choices](const std::string& v) {
    return std::find(choices.begin(), choices.end(), v) != choices.end();
  });
}

Field int_list_field(std::string key, Ref<std::vector<int64_t>> ref, int64_t min_value, std::string expected,
                     bool allow_empty) {
  auto f = blank(std::move(key), expected);
  f.set = [ref, min_value, expected, allow_empty](Config& c, const YAML::Node& n) {
    if (!n.IsSequence() || (n.size() == 0 && !allow_empty)) throw BadValue{expected};
    std::vector<int64_t> values;
    for (const auto& item : n) {
      const auto v = parse_scalar<int64_t>(item, expected);
      if (v < min_value) throw BadValue{expected};
      values.push_back(v);
    }
    ref(c) = values;
  };
  f.show = [ref](Config& c) {
    std::string text = "[";
    for (std::size_t i = 0; i < ref(c).size(); ++i) text += (i ? ", " : "") + std::to_string(ref(c)[i]);
    return text + "]";
  };
  return f;
}

Field double_list_field(std::string key, Ref<std::vector<double>> ref, std::size_t size, std::string expected,
                        std::function<bool(double)> ok) {
  auto f = blank(std::move(key), expected);
  f.set = [ref, size, ok, expected](Config& c, const YAML::Node& n) {
    if (!n.IsSequence() || n.size() != size) throw BadValue{expected};
    std::vector<double> values;
    for (const auto& item : n) {
      const auto v = parse_scalar<double>(item, expected);
      if (!std::isfinite(v) || !ok(v)) throw BadValue{expected};
      values.push_back(v);
    }
    ref(c) = values;
  };
  f.show = [ref](Config& c) {
    std::string text = "[";
    for (std::size_t i = 0; i < ref(c).size(); ++i) text += (i ? ", " : "") + shortest_text(ref(c)[i]);
    return text + "]";
  };
  return f;
}

Field class_list_field(std::string key, Ref<std::vector<int64_t>> indices, Ref<std::vector<std::string>> names,
                       std::string expected) {
  auto f = blank(std::move(key), expected);
  f.set = [indices, names, expected](Config& c, const YAML::Node& n) {
    if (!n.IsSequence()) throw BadValue{expected};
    std::vector<int64_t> numbers;
    std::vector<std::string> words;
    for (const auto& item : n) {
      if (!item.IsScalar() || item.Scalar().empty()) throw BadValue{expected};
      int64_t v = 0;
      if (YAML::convert<int64_t>::decode(item, v)) {
        if (v < 0) throw BadValue{expected};
        numbers.push_back(v);
      } else {
        words.push_back(item.Scalar());
      }
    }
    if (!numbers.empty() && !words.empty()) throw BadValue{"all class indices or all class names, not a mix"};
    indices(c) = numbers;
    names(c) = words;
  };
  f.show = [indices, names](Config& c) {
    YAML::Emitter out;
    out << YAML::Flow << YAML::BeginSeq;
    for (const auto& name : names(c)) out << name;
    for (const auto v : indices(c)) out << v;
    out << YAML::EndSeq;
    return std::string(out.c_str());
  };
  return f;
}

Field transforms_field(std::string key, Ref<std::vector<TransformSpec>> ref) {
  auto f = blank(std::move(key), "a list of transforms");
  f.set_at = [ref](Config& c, const YAML::Node& n, const std::function<std::string(int)>& where_at) {
    try {
      ref(c) = parse_transform_list(n, where_at);
    } catch (const TransformListError& e) {
      throw BadValue{e.expected, e.line, e.subkey, e.got};
    }
  };
  f.show = [ref](Config& c) {
    return transform_list_yaml(c.config_version == 1 ? with_v1_names(ref(c), true) : ref(c));
  };
  return f;
}

Field workers_field(std::string key, Ref<int64_t> ref) {
  const std::string expected = "auto (one per core) or a non-negative integer (0 = in the training thread)";
  auto f = blank(std::move(key), expected);
  f.set = [ref, expected](Config& c, const YAML::Node& n) {
    if (n.IsScalar() && n.Scalar() == "auto") {
      ref(c) = -1;
      return;
    }
    const auto v = parse_scalar<int64_t>(n, expected);
    if (v < 0) throw BadValue{expected};
    ref(c) = v;
  };
  f.show = [ref](Config& c) { return ref(c) < 0 ? std::string("auto") : std::to_string(ref(c)); };
  return f;
}

Field required(Field f) {
  f.required = true;
  return f;
}

Field resumable(Field f) {
  f.resumable = true;
  return f;
}

Field since(int version, Field f) {
  f.since_version = version;
  return f;
}

Field path(Field f) {
  f.is_path = true;
  return f;
}

}  // namespace imgcls
