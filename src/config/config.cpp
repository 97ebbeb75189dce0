// Schema-driven config loading. The schema is one table (schema()) of typed fields; the
// loader flattens the YAML tree into dotted keys with their line numbers, rejects what the
// table does not know, then lets each field parse and check its own value.
#include "imgcls/config/config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "imgcls/errors.hpp"
#include "config/checks.hpp"
#include "config/transform_specs.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace {

// Thrown by a field's parser; turned into a ConfigError with the location attached.
struct BadValue {
  explicit BadValue(std::string e, int l = 0, std::string s = {}, std::string g = {})
      : expected(std::move(e)), line(l), subkey(std::move(s)), got(std::move(g)) {}
  std::string expected;
  int line;            // a line inside the key's value (a list item), 0 = the key's own line
  std::string subkey;  // appended to the dotted key: "[2].random_crop.size"
  std::string got;     // the offending text when it is not the whole value
};

struct Field {
  std::string key;
  std::string expected;  // "a positive number", "one of adam, sgd"
  bool required = false;
  std::function<void(Config&, const YAML::Node&)> set;
  std::function<std::string(Config&)> show;  // value as YAML scalar text
  // For values with parts on their own lines (transform lists): like set, with where_at(line)
  // giving "file:line" for a line of the config.
  std::function<void(Config&, const YAML::Node&, const std::function<std::string(int)>&)> set_at;
};


template <class T>
T parse_scalar(const YAML::Node& n, const std::string& expected) {
  if (!n.IsScalar()) throw BadValue{expected};
  try {
    return n.as<T>();
  } catch (const YAML::Exception&) {
    throw BadValue{expected};
  }
}


template <class Ref>
Field number_field(std::string key, Ref ref, std::string expected, std::function<bool(double)> ok) {
  Field f{std::move(key), expected, false, nullptr, nullptr, nullptr};
  f.set = [ref, ok, expected](Config& c, const YAML::Node& n) {
    const auto v = parse_scalar<double>(n, expected);
    if (!std::isfinite(v) || !ok(v)) throw BadValue{expected};
    ref(c) = v;
  };
  f.show = [ref](Config& c) { return shortest_text(ref(c)); };
  return f;
}

template <class Ref>
Field int_field(std::string key, Ref ref, int64_t min_value, std::string expected) {
  Field f{std::move(key), expected, false, nullptr, nullptr, nullptr};
  f.set = [ref, min_value, expected](Config& c, const YAML::Node& n) {
    const auto v = parse_scalar<int64_t>(n, expected);
    if (v < min_value) throw BadValue{expected};
    ref(c) = v;
  };
  f.show = [ref](Config& c) { return std::to_string(ref(c)); };
  return f;
}

template <class Ref>
Field bool_field(std::string key, Ref ref) {
  Field f{std::move(key), "true or false", false, nullptr, nullptr, nullptr};
  f.set = [ref](Config& c, const YAML::Node& n) { ref(c) = parse_scalar<bool>(n, "true or false"); };
  f.show = [ref](Config& c) { return std::string(ref(c) ? "true" : "false"); };
  return f;
}

template <class Ref>
Field string_field(std::string key, Ref ref, std::string expected,
                   std::function<bool(const std::string&)> ok) {
  Field f{std::move(key), expected, false, nullptr, nullptr, nullptr};
  f.set = [ref, ok, expected](Config& c, const YAML::Node& n) {
    if (n.IsNull() || !n.IsScalar()) throw BadValue{expected};
    const auto v = n.Scalar();
    if (!ok(v)) throw BadValue{expected};
    ref(c) = v;
  };
  f.show = [ref](Config& c) { return ref(c); };
  return f;
}

template <class Ref>
Field int_list_field(std::string key, Ref ref, int64_t min_value, std::string expected, bool allow_empty = false) {
  Field f{std::move(key), expected, false, nullptr, nullptr, nullptr};
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

template <class Ref>
Field double_list_field(std::string key, Ref ref, std::size_t size, std::string expected,
                        std::function<bool(double)> ok) {
  Field f{std::move(key), expected, false, nullptr, nullptr, nullptr};
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

template <class Ref>
Field choice_field(std::string key, Ref ref, std::vector<std::string> choices) {
  const auto expected = "one of " + join(choices, ", ");
  return string_field(std::move(key), ref, expected, [choices](const std::string& v) {
    return std::find(choices.begin(), choices.end(), v) != choices.end();
  });
}

template <class Ref>
Field transforms_field(std::string key, Ref ref) {
  Field f{std::move(key), "a list of transforms", false, nullptr, nullptr, nullptr};
  f.set_at = [ref](Config& c, const YAML::Node& n, const std::function<std::string(int)>& where_at) {
    try {
      ref(c) = parse_transform_list(n, where_at);
    } catch (const TransformListError& e) {
      throw BadValue{e.expected, e.line, e.subkey, e.got};
    }
  };
  f.show = [ref](Config& c) { return transform_list_yaml(ref(c)); };
  return f;
}

// data.workers: "auto" (stored as -1) or a count.
template <class Ref>
Field workers_field(std::string key, Ref ref) {
  const std::string expected = "auto (one per core) or a non-negative integer (0 = in the training thread)";
  Field f{std::move(key), expected, false, nullptr, nullptr, nullptr};
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

#define IMGCLS_REF(member) [](Config& c) -> decltype(auto) { return (c.member); }

const std::vector<Field>& schema() {
  static const std::vector<Field> fields = [] {
    const auto positive = [](double v) { return v > 0; };
    const auto non_negative = [](double v) { return v >= 0; };
    std::vector<Field> f;
    f.push_back(string_field("name", IMGCLS_REF(name), "a name of letters, digits, '.', '_' or '-'",
                             [](const std::string& v) {
                               return std::regex_match(v, std::regex("[A-Za-z0-9._-]+"));
                             }));
    f.push_back(int_field("seed", IMGCLS_REF(seed), 0, "a non-negative integer"));
    f.push_back(string_field("device", IMGCLS_REF(device), "auto, cpu, cuda or cuda:N",
                             [](const std::string& v) {
                               return std::regex_match(v, std::regex("auto|cpu|cuda(:[0-9]+)?"));
                             }));
    f.push_back(int_field("threads", IMGCLS_REF(threads), 0, "a non-negative integer (0 = LibTorch's default)"));
    f.push_back(required(choice_field("data.dataset", IMGCLS_REF(data.dataset), {"fashion_mnist", "mnist", "cifar10", "cifar100", "image_folder"})));
    const auto any_path = [](const std::string&) { return true; };
    f.push_back(string_field("data.root", IMGCLS_REF(data.root), "a path", any_path));
    f.push_back(string_field("data.train_root", IMGCLS_REF(data.train_root), "a path", any_path));
    f.push_back(string_field("data.val_root", IMGCLS_REF(data.val_root), "a path", any_path));
    f.push_back(string_field("data.test_root", IMGCLS_REF(data.test_root), "a path", any_path));
    f.push_back(int_field("data.channels", IMGCLS_REF(data.channels), 1, "1 (grayscale) or 3 (RGB)"));
    f.push_back(int_field("data.image_size", IMGCLS_REF(data.image_size), 1, "a positive integer (pixels)"));
    f.push_back(choice_field("data.on_bad_image", IMGCLS_REF(data.on_bad_image), {"skip", "error"}));
    f.push_back(number_field("data.val_split", IMGCLS_REF(data.val_split),
                             "a count of images (integer >= 1) or a fraction in [0, 1)", [](double v) {
                               return (v >= 0 && v < 1) || (v >= 1 && v == std::floor(v));
                             }));
    f.push_back(choice_field("data.val", IMGCLS_REF(data.val), {"split", "test"}));
    f.push_back(int_list_field("data.classes", IMGCLS_REF(data.classes), 0,
                               "a list of class indices, e.g. [0, 33, 56] ([] = all classes)", /*allow_empty=*/true));
    f.push_back(choice_field("data.label", IMGCLS_REF(data.label), {"fine", "coarse"}));
    f.push_back(int_field("data.batch_size", IMGCLS_REF(data.batch_size), 1, "a positive integer"));
    f.push_back(int_field("data.limit", IMGCLS_REF(data.limit), 0, "a non-negative integer (0 = all images)"));
    f.push_back(transforms_field("data.train_transforms", IMGCLS_REF(data.train_transforms)));
    f.push_back(transforms_field("data.val_transforms", IMGCLS_REF(data.val_transforms)));
    f.push_back(workers_field("data.workers", IMGCLS_REF(data.workers)));
    f.push_back(int_field("data.prefetch", IMGCLS_REF(data.prefetch), 1, "a positive integer (batches)"));
    f.push_back(bool_field("data.drop_last", IMGCLS_REF(data.drop_last)));
    f.push_back(choice_field("data.device_resident", IMGCLS_REF(data.device_resident), {"auto", "true", "false"}));
    f.push_back(required(choice_field("model.name", IMGCLS_REF(model.name),
                                      {"basic_cnn", "baseline_cnn", "cifar10_cnn", "cifar_cnn", "complex_cnn", "mlp",
                                       "residual_cnn", "torchscript", "vgg_cnn"})));
    f.push_back(choice_field("model.init", IMGCLS_REF(model.init), {"default", "kaiming", "xavier"}));
    f.push_back(int_list_field("model.hidden", IMGCLS_REF(model.hidden), 1,
                               "a non-empty list of positive integers, e.g. [512, 256]"));
    f.push_back(choice_field("model.activation", IMGCLS_REF(model.activation),
                             {"relu", "leaky_relu", "tanh", "sigmoid"}));
    f.push_back(number_field("model.dropout", IMGCLS_REF(model.dropout), "a number in [0, 1)",
                             [](double v) { return v >= 0 && v < 1; }));
    f.push_back(int_field("model.hidden_size", IMGCLS_REF(model.hidden_size), 1, "a positive integer"));
    f.push_back(choice_field("model.pooling", IMGCLS_REF(model.pooling), {"stride", "max", "avg"}));
    f.push_back(int_list_field("model.widths", IMGCLS_REF(model.widths), 1,
                               "a non-empty list of positive integers, e.g. [128, 256, 512]"));
    f.push_back(int_field("model.blocks", IMGCLS_REF(model.blocks), 0, "a non-negative integer"));
    f.push_back(int_field("model.stem_channels", IMGCLS_REF(model.stem_channels), 1, "a positive integer"));
    f.push_back(string_field("model.path", IMGCLS_REF(model.path), "a path to a TorchScript file",
                             [](const std::string&) { return true; }));
    f.push_back(bool_field("model.freeze_backbone", IMGCLS_REF(model.freeze_backbone)));
    f.push_back(int_field("model.unfreeze_at_epoch", IMGCLS_REF(model.unfreeze_at_epoch), 0,
                          "a non-negative integer (0 = never)"));
    f.push_back(choice_field("optimizer.name", IMGCLS_REF(optimizer.name), {"sgd", "adam", "adamw", "rmsprop"}));
    f.push_back(number_field("optimizer.lr", IMGCLS_REF(optimizer.lr), "a positive number", positive));
    f.push_back(number_field("optimizer.weight_decay", IMGCLS_REF(optimizer.weight_decay),
                             "a non-negative number", non_negative));
    f.push_back(number_field("optimizer.momentum", IMGCLS_REF(optimizer.momentum), "a number in [0, 1)",
                             [](double v) { return v >= 0 && v < 1; }));
    f.push_back(number_field("optimizer.dampening", IMGCLS_REF(optimizer.dampening), "a number in [0, 1]",
                             [](double v) { return v >= 0 && v <= 1; }));
    f.push_back(bool_field("optimizer.nesterov", IMGCLS_REF(optimizer.nesterov)));
    f.push_back(double_list_field("optimizer.betas", IMGCLS_REF(optimizer.betas), 2,
                                  "two numbers in [0, 1), e.g. [0.9, 0.999]", [](double v) { return v >= 0 && v < 1; }));
    f.push_back(number_field("optimizer.eps", IMGCLS_REF(optimizer.eps), "a positive number", positive));
    f.push_back(number_field("optimizer.alpha", IMGCLS_REF(optimizer.alpha), "a number in [0, 1]",
                             [](double v) { return v >= 0 && v <= 1; }));

    f.push_back(number_field("optimizer.backbone_lr_scale", IMGCLS_REF(optimizer.backbone_lr_scale),
                             "a non-negative number (the backbone's lr = this x the head's)", non_negative));

    f.push_back(choice_field("scheduler.name", IMGCLS_REF(scheduler.name),
                             {"none", "step", "multistep", "cosine", "plateau", "onecycle", "exponential"}));
    f.push_back(int_field("scheduler.step_size", IMGCLS_REF(scheduler.step_size), 1, "a positive integer (epochs)"));
    f.push_back(number_field("scheduler.gamma", IMGCLS_REF(scheduler.gamma), "a positive number", positive));
    f.push_back(int_list_field("scheduler.milestones", IMGCLS_REF(scheduler.milestones), 1,
                               "a list of increasing epochs, e.g. [30, 60]", /*allow_empty=*/true));
    f.push_back(int_field("scheduler.t_max", IMGCLS_REF(scheduler.t_max), 0,
                          "a non-negative integer (0 = the epochs after warmup)"));
    f.push_back(number_field("scheduler.eta_min", IMGCLS_REF(scheduler.eta_min), "a non-negative number", non_negative));
    f.push_back(choice_field("scheduler.monitor", IMGCLS_REF(scheduler.monitor),
                             {"val_loss", "val_acc", "train_loss", "train_acc"}));
    f.push_back(choice_field("scheduler.mode", IMGCLS_REF(scheduler.mode), {"auto", "min", "max"}));
    f.push_back(number_field("scheduler.factor", IMGCLS_REF(scheduler.factor), "a number in (0, 1)",
                             [](double v) { return v > 0 && v < 1; }));
    f.push_back(int_field("scheduler.patience", IMGCLS_REF(scheduler.patience), 0, "a non-negative integer"));
    f.push_back(number_field("scheduler.threshold", IMGCLS_REF(scheduler.threshold), "a non-negative number",
                             non_negative));
    f.push_back(choice_field("scheduler.threshold_mode", IMGCLS_REF(scheduler.threshold_mode), {"rel", "abs"}));
    f.push_back(int_field("scheduler.cooldown", IMGCLS_REF(scheduler.cooldown), 0, "a non-negative integer"));
    f.push_back(number_field("scheduler.min_lr", IMGCLS_REF(scheduler.min_lr), "a non-negative number", non_negative));
    f.push_back(number_field("scheduler.max_lr", IMGCLS_REF(scheduler.max_lr), "a non-negative number (0 = optimizer.lr)",
                             non_negative));
    f.push_back(number_field("scheduler.pct_start", IMGCLS_REF(scheduler.pct_start), "a number in (0, 1)",
                             [](double v) { return v > 0 && v < 1; }));
    f.push_back(choice_field("scheduler.anneal", IMGCLS_REF(scheduler.anneal), {"cos", "linear"}));
    f.push_back(number_field("scheduler.div_factor", IMGCLS_REF(scheduler.div_factor), "a positive number", positive));
    f.push_back(number_field("scheduler.final_div_factor", IMGCLS_REF(scheduler.final_div_factor), "a positive number",
                             positive));
    f.push_back(int_field("scheduler.warmup_epochs", IMGCLS_REF(scheduler.warmup_epochs), 0, "a non-negative integer"));
    f.push_back(int_field("scheduler.warmup_steps", IMGCLS_REF(scheduler.warmup_steps), 0, "a non-negative integer"));
    f.push_back(number_field("scheduler.warmup_start_factor", IMGCLS_REF(scheduler.warmup_start_factor),
                             "a number in (0, 1]", [](double v) { return v > 0 && v <= 1; }));

    f.push_back(int_field("train.epochs", IMGCLS_REF(train.epochs), 1, "a positive integer"));
    f.push_back(int_field("train.log_every", IMGCLS_REF(train.log_every), 0,
                          "a non-negative integer (0 = once per epoch)"));
    f.push_back(choice_field("train.early_stopping.monitor", IMGCLS_REF(train.early_stopping.monitor),
                             {"val_acc", "val_loss", "train_acc", "train_loss"}));
    f.push_back(choice_field("train.early_stopping.mode", IMGCLS_REF(train.early_stopping.mode), {"auto", "min", "max"}));
    f.push_back(int_field("train.early_stopping.patience", IMGCLS_REF(train.early_stopping.patience), 0,
                          "a non-negative integer (0 = never stop early)"));
    f.push_back(number_field("train.early_stopping.min_delta", IMGCLS_REF(train.early_stopping.min_delta),
                             "a non-negative number", non_negative));
    f.push_back(number_field("train.label_smoothing", IMGCLS_REF(train.label_smoothing), "a number in [0, 1)",
                             [](double v) { return v >= 0 && v < 1; }));
    f.push_back(number_field("train.grad_clip_norm", IMGCLS_REF(train.grad_clip_norm),
                             "a non-negative number (0 = no clipping)", non_negative));
    f.push_back(int_field("train.grad_accum_steps", IMGCLS_REF(train.grad_accum_steps), 1, "a positive integer"));
    f.push_back(choice_field("train.amp", IMGCLS_REF(train.amp), {"none", "bf16", "fp16"}));
    f.push_back(bool_field("train.channels_last", IMGCLS_REF(train.channels_last)));
    f.push_back(int_field("train.val_every", IMGCLS_REF(train.val_every), 1, "a positive integer (epochs)"));
    f.push_back(bool_field("train.deterministic", IMGCLS_REF(train.deterministic)));
    f.push_back(choice_field("train.on_nan", IMGCLS_REF(train.on_nan), {"stop", "skip_batch"}));
    f.push_back(int_field("output.keep_last", IMGCLS_REF(output.keep_last), 0,
                          "a non-negative integer (0 = keep no epoch-N.pt)"));
    f.push_back(bool_field("logging.tensorboard", IMGCLS_REF(logging.tensorboard)));
    return f;
  }();
  return fields;
}

#undef IMGCLS_REF

const Field* find_field(const std::string& key) {
  for (const auto& f : schema())
    if (f.key == key) return &f;
  return nullptr;
}

bool is_section(const std::string& key) {
  for (const auto& f : schema())
    if (starts_with(f.key, key + ".")) return true;
  return false;
}

std::string did_you_mean(const std::string& key) {
  std::vector<std::string> candidates;
  std::set<std::string> sections;
  for (const auto& f : schema()) {
    candidates.push_back(f.key);
    const auto dot = f.key.find('.');
    if (dot != std::string::npos) sections.insert(f.key.substr(0, dot));
  }
  candidates.insert(candidates.end(), sections.begin(), sections.end());
  std::string best;
  std::size_t best_distance = std::numeric_limits<std::size_t>::max();
  for (const auto& c : candidates) {
    const auto d = edit_distance(key, c);
    if (d < best_distance) best_distance = d, best = c;
  }
  if (best_distance <= std::max<std::size_t>(2, key.size() / 4)) return "; did you mean '" + best + "'?";
  // Right leaf, wrong section: train.lr -> optimizer.lr.
  const auto leaf = key.substr(key.rfind('.') + 1);
  for (const auto& c : candidates)
    if (c.size() > leaf.size() && ends_with(c, "." + leaf)) return "; did you mean '" + c + "'?";
  return "";
}

struct Leaf {
  YAML::Node node;
  std::string where;  // "file:line" or "override '...'"
};

[[noreturn]] void fail(const std::string& where, const std::string& key, const std::string& what) {
  throw ConfigError(where + ": " + key + ": " + what);
}

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

YAML::Node parse_document(const std::string& text, const std::string& origin) {
  if (ends_with(to_lower(origin), ".json")) {
    // nlohmann checks strict JSON syntax (with line and column); yaml-cpp then gives the
    // tree with line numbers for every key (JSON is valid YAML 1.2 flow style).
    try {
      const auto checked = nlohmann::json::parse(text);
      static_cast<void>(checked);
    } catch (const nlohmann::json::parse_error& e) {
      std::string msg = e.what();
      const auto colon = msg.find("] ");
      throw ConfigError(origin + ": invalid JSON: " + (colon == std::string::npos ? msg : msg.substr(colon + 2)));
    }
  }
  try {
    return YAML::Load(text);
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

Config parse_config(const std::string& text, const std::string& origin, const std::vector<std::string>& overrides) {
  const auto doc = parse_document(text, origin);
  if (doc.IsNull()) throw ConfigError(origin + ": the config is empty; it needs at least data.dataset and model.name");
  if (!doc.IsMap()) throw ConfigError(origin + ":1: expected a mapping of keys at the top level");

  std::map<std::string, Leaf> leaves;
  flatten(doc, "", origin, leaves);
  for (const auto& o : overrides) apply_override(o, leaves);

  Config config;
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
      if (field.set_at) field.set_at(config, it->second.node, where_at);
      else field.set(config, it->second.node);
    } catch (const BadValue& bad) {
      fail(bad.line > 0 ? where_at(bad.line) : where, field.key + bad.subkey,
           "expected " + bad.expected + ", got '" + (bad.got.empty() ? yaml_text(it->second.node) : bad.got) + "'");
    }
    config.origins[field.key] = it->second.where;
  }
  check_combinations(config);
  return config;
}

Config load_config(const std::string& path, const std::vector<std::string>& overrides) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot open the config file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path, overrides);
}

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
  static const std::set<std::string> may_change = {"name",          "device",        "threads",      "train.epochs",
                                                   "train.log_every", "data.workers", "data.prefetch",
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


std::vector<std::string> config_keys() {
  std::vector<std::string> keys;
  for (const auto& f : schema()) keys.push_back(f.key);
  return keys;
}

}  // namespace imgcls
