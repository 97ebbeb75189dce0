// The schema table: one row per key. Keep the order: config.yaml lists keys in it.
#include "config/schema.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <regex>
#include <set>

#include "data/dataset_table.hpp"
#include "models/model_table.hpp"
#include "util/strings.hpp"

namespace imgcls {

namespace {

// train.class_weights: none, balanced, or a list of positive numbers (one per class; the
// length is checked against the classes in checks.cpp and, for image folders, the Trainer).
Field class_weights_field() {
  Field f;
  f.key = "train.class_weights";
  f.expected = "none, balanced, or a list of positive numbers, one per class (e.g. [1, 2.5, 4])";
  f.set = [expected = f.expected](Config& c, const YAML::Node& n) {
    if (n.IsScalar() && (n.Scalar() == "none" || n.Scalar() == "balanced")) {
      c.train.class_weights = n.Scalar();
      c.train.class_weight_list.clear();
      return;
    }
    if (!n.IsSequence() || n.size() == 0) throw BadValue{expected};
    std::vector<double> values;
    for (const auto& item : n) {
      double v = 0;
      if (!item.IsScalar() || !YAML::convert<double>::decode(item, v) || !std::isfinite(v) || v <= 0)
        throw BadValue{expected};
      values.push_back(v);
    }
    c.train.class_weights = "list";
    c.train.class_weight_list = values;
  };
  f.show = [](Config& c) {
    if (c.train.class_weights != "list") return c.train.class_weights;
    std::vector<std::string> items;
    for (const auto v : c.train.class_weight_list) items.push_back(shortest_text(v));
    return "[" + join(items, ", ") + "]";
  };
  return f;
}

// model.name's choices: the model table's names, in its order.
std::vector<std::string> table_model_names() {
  std::vector<std::string> names;
  for (const auto& m : model_table()) names.push_back(m.name);
  return names;
}

}  // namespace

#define IMGCLS_REF(member) [](Config& c) -> decltype(auto) { return (c.member); }

const std::vector<Field>& schema() {
  static const std::vector<Field> fields = [] {
    const auto positive = [](double v) { return v > 0; };
    const auto non_negative = [](double v) { return v >= 0; };
    std::vector<Field> f;
    // First: the transform lists' names are read with its meanings (load.cpp).
    auto version = int_field("config_version", IMGCLS_REF(config_version), 1,
                             "1 (resize's bilinear, bicubic, nearest are OpenCV's), 2 (torchvision's), 3 "
                             "(2 with model.sync_batchnorm) or 4 (3 with optimizer.fused)");
    version.set = [set = version.set, expected = version.expected](Config& c, const YAML::Node& n) {
      set(c, n);
      if (c.config_version > 4) throw BadValue(expected);
    };
    f.push_back(since(2, version));
    f.push_back(resumable(
        string_field("name", IMGCLS_REF(name), "a name of letters, digits, '.', '_' or '-', without '..'",
                     [](const std::string& v) { return is_folder_name(v); })));
    f.push_back(int_field("seed", IMGCLS_REF(seed), 0, "a non-negative integer"));
    f.push_back(
        resumable(string_field("device", IMGCLS_REF(device), "auto, cpu, cuda or cuda:N", [](const std::string& v) {
          return std::regex_match(v, std::regex("auto|cpu|cuda(:[0-9]+)?"));
        })));
    f.push_back(
        resumable(int_field("threads", IMGCLS_REF(threads), 0, "a non-negative integer (0 = LibTorch's default)")));
    f.push_back(required(choice_field("data.dataset", IMGCLS_REF(data.dataset), dataset_names())));
    const auto any_path = [](const std::string&) { return true; };
    f.push_back(path(string_field("data.root", IMGCLS_REF(data.root), "a path", any_path)));
    f.push_back(path(string_field("data.train_root", IMGCLS_REF(data.train_root), "a path", any_path)));
    f.push_back(path(string_field("data.val_root", IMGCLS_REF(data.val_root), "a path", any_path)));
    f.push_back(path(string_field("data.test_root", IMGCLS_REF(data.test_root), "a path", any_path)));
    f.push_back(int_field("data.channels", IMGCLS_REF(data.channels), 1, "1 (grayscale) or 3 (RGB)"));
    f.push_back(int_field("data.image_size", IMGCLS_REF(data.image_size), 1, "a positive integer (pixels)"));
    f.push_back(choice_field("data.on_bad_image", IMGCLS_REF(data.on_bad_image), {"skip", "error"}));
    f.push_back(resumable(int_field("data.max_image_pixels", IMGCLS_REF(data.max_image_pixels), 1,
                                    "a positive integer (width x height; Pillow's MAX_IMAGE_PIXELS)")));
    // One rule, as for the integer keys: below 1 a fraction of the training images (0 = none);
    // from 1 on a count, an integer written as one (5000, or 1e+04 as older config.yaml files
    // print it), so 1.0 and 64.0 are refused alike.
    auto val_split = number_field("data.val_split", IMGCLS_REF(data.val_split),
                                  "a fraction in [0, 1) (0.2) or a count of images (an integer: 5000)", non_negative);
    val_split.set = [set = val_split.set, expected = val_split.expected](Config& c, const YAML::Node& n) {
      set(c, n);
      const double v = c.data.val_split;
      if (v >= 1 && (v != std::floor(v) || n.Scalar().find('.') != std::string::npos)) throw BadValue(expected);
    };
    val_split.show = [](Config& c) {
      const double v = c.data.val_split;
      return v >= 1 ? std::to_string(static_cast<int64_t>(v)) : shortest_text(v);
    };
    f.push_back(val_split);
    f.push_back(choice_field("data.val", IMGCLS_REF(data.val), {"split", "test"}));
    f.push_back(class_list_field("data.classes", IMGCLS_REF(data.classes), IMGCLS_REF(data.class_names),
                                 "a list of class indices, e.g. [0, 33, 56], or of class names, e.g. [daisy, rose] "
                                 "([] = all classes)"));
    f.push_back(choice_field("data.label", IMGCLS_REF(data.label), {"fine", "coarse"}));
    f.push_back(int_field("data.batch_size", IMGCLS_REF(data.batch_size), 1, "a positive integer"));
    f.push_back(int_field("data.limit", IMGCLS_REF(data.limit), 0, "a non-negative integer (0 = all images)"));
    f.push_back(transforms_field("data.train_transforms", IMGCLS_REF(data.train_transforms)));
    f.push_back(transforms_field("data.val_transforms", IMGCLS_REF(data.val_transforms)));
    f.push_back(resumable(workers_field("data.workers", IMGCLS_REF(data.workers))));
    f.push_back(resumable(int_field("data.prefetch", IMGCLS_REF(data.prefetch), 1, "a positive integer (batches)")));
    f.push_back(bool_field("data.drop_last", IMGCLS_REF(data.drop_last)));
    f.push_back(since(2, choice_field("data.sampler", IMGCLS_REF(data.sampler), {"random", "balanced"})));
    f.push_back(
        resumable(choice_field("data.device_resident", IMGCLS_REF(data.device_resident), {"auto", "true", "false"})));
    f.push_back(required(choice_field("model.name", IMGCLS_REF(model.name), table_model_names())));
    f.push_back(choice_field("model.init", IMGCLS_REF(model.init), {"default", "kaiming", "xavier"}));
    f.push_back(int_list_field("model.hidden", IMGCLS_REF(model.hidden), 1,
                               "a non-empty list of positive integers, e.g. [512, 256]"));
    f.push_back(
        choice_field("model.activation", IMGCLS_REF(model.activation), {"relu", "leaky_relu", "tanh", "sigmoid"}));
    f.push_back(number_field("model.dropout", IMGCLS_REF(model.dropout), "a number in [0, 1)",
                             [](double v) { return v >= 0 && v < 1; }));
    f.push_back(int_field("model.hidden_size", IMGCLS_REF(model.hidden_size), 1, "a positive integer"));
    f.push_back(choice_field("model.pooling", IMGCLS_REF(model.pooling), {"stride", "max", "avg"}));
    f.push_back(int_list_field("model.widths", IMGCLS_REF(model.widths), 1,
                               "a non-empty list of positive integers, e.g. [128, 256, 512]"));
    f.push_back(int_field("model.blocks", IMGCLS_REF(model.blocks), 0, "a non-negative integer"));
    f.push_back(int_field("model.stem_channels", IMGCLS_REF(model.stem_channels), 1, "a positive integer"));
    f.push_back(path(string_field("model.path", IMGCLS_REF(model.path), "a path to a TorchScript file",
                                  [](const std::string&) { return true; })));
    f.push_back(bool_field("model.freeze_backbone", IMGCLS_REF(model.freeze_backbone)));
    f.push_back(int_field("model.unfreeze_at_epoch", IMGCLS_REF(model.unfreeze_at_epoch), 0,
                          "a non-negative integer (0 = never)"));
    f.push_back(since(3, bool_field("model.sync_batchnorm", IMGCLS_REF(model.sync_batchnorm))));
    f.push_back(choice_field("optimizer.name", IMGCLS_REF(optimizer.name), {"sgd", "adam", "adamw", "rmsprop"}));
    f.push_back(number_field("optimizer.lr", IMGCLS_REF(optimizer.lr), "a positive number", positive));
    f.push_back(number_field("optimizer.weight_decay", IMGCLS_REF(optimizer.weight_decay), "a non-negative number",
                             non_negative));
    f.push_back(number_field("optimizer.momentum", IMGCLS_REF(optimizer.momentum), "a number in [0, 1)",
                             [](double v) { return v >= 0 && v < 1; }));
    f.push_back(number_field("optimizer.dampening", IMGCLS_REF(optimizer.dampening), "a number in [0, 1]",
                             [](double v) { return v >= 0 && v <= 1; }));
    f.push_back(bool_field("optimizer.nesterov", IMGCLS_REF(optimizer.nesterov)));
    f.push_back(double_list_field("optimizer.betas", IMGCLS_REF(optimizer.betas), 2,
                                  "two numbers in [0, 1), e.g. [0.9, 0.999]",
                                  [](double v) { return v >= 0 && v < 1; }));
    f.push_back(number_field("optimizer.eps", IMGCLS_REF(optimizer.eps), "a positive number", positive));
    f.push_back(since(4, choice_field("optimizer.fused", IMGCLS_REF(optimizer.fused), {"auto", "true", "false"})));
    f.push_back(number_field("optimizer.alpha", IMGCLS_REF(optimizer.alpha), "a number in [0, 1]",
                             [](double v) { return v >= 0 && v <= 1; }));

    f.push_back(number_field("optimizer.backbone_lr_scale", IMGCLS_REF(optimizer.backbone_lr_scale),
                             "a non-negative number (the backbone's lr = this x the head's)", non_negative));
    f.push_back(since(2, optional_number_field("optimizer.norm_weight_decay", IMGCLS_REF(optimizer.norm_weight_decay),
                                      "a non-negative number, or null (= optimizer.weight_decay)", non_negative)));
    f.push_back(since(2, optional_number_field("optimizer.bias_weight_decay", IMGCLS_REF(optimizer.bias_weight_decay),
                                      "a non-negative number, or null (= optimizer.weight_decay)", non_negative)));

    f.push_back(choice_field("scheduler.name", IMGCLS_REF(scheduler.name),
                             {"none", "step", "multistep", "cosine", "plateau", "onecycle", "exponential"}));
    f.push_back(int_field("scheduler.step_size", IMGCLS_REF(scheduler.step_size), 1, "a positive integer (epochs)"));
    f.push_back(number_field("scheduler.gamma", IMGCLS_REF(scheduler.gamma), "a positive number", positive));
    f.push_back(int_list_field("scheduler.milestones", IMGCLS_REF(scheduler.milestones), 1,
                               "a list of increasing epochs, e.g. [30, 60]", /*allow_empty=*/true));
    f.push_back(int_field("scheduler.t_max", IMGCLS_REF(scheduler.t_max), 0,
                          "a non-negative integer (0 = the epochs after warmup)"));
    f.push_back(
        number_field("scheduler.eta_min", IMGCLS_REF(scheduler.eta_min), "a non-negative number", non_negative));
    f.push_back(choice_field("scheduler.monitor", IMGCLS_REF(scheduler.monitor),
                             {"val_loss", "val_acc", "train_loss", "train_acc", "val_macro_f1", "val_balanced_acc"}));
    f.push_back(choice_field("scheduler.mode", IMGCLS_REF(scheduler.mode), {"auto", "min", "max"}));
    f.push_back(number_field("scheduler.factor", IMGCLS_REF(scheduler.factor), "a number in (0, 1)",
                             [](double v) { return v > 0 && v < 1; }));
    f.push_back(int_field("scheduler.patience", IMGCLS_REF(scheduler.patience), 0, "a non-negative integer"));
    f.push_back(
        number_field("scheduler.threshold", IMGCLS_REF(scheduler.threshold), "a non-negative number", non_negative));
    f.push_back(choice_field("scheduler.threshold_mode", IMGCLS_REF(scheduler.threshold_mode), {"rel", "abs"}));
    f.push_back(int_field("scheduler.cooldown", IMGCLS_REF(scheduler.cooldown), 0, "a non-negative integer"));
    f.push_back(number_field("scheduler.min_lr", IMGCLS_REF(scheduler.min_lr), "a non-negative number", non_negative));
    f.push_back(number_field("scheduler.max_lr", IMGCLS_REF(scheduler.max_lr),
                             "a non-negative number (0 = optimizer.lr)", non_negative));
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

    f.push_back(resumable(int_field("train.epochs", IMGCLS_REF(train.epochs), 1, "a positive integer")));
    f.push_back(resumable(
        int_field("train.log_every", IMGCLS_REF(train.log_every), 0, "a non-negative integer (0 = once per epoch)")));
    f.push_back(choice_field("train.early_stopping.monitor", IMGCLS_REF(train.early_stopping.monitor),
                             {"val_acc", "val_loss", "train_acc", "train_loss", "val_macro_f1", "val_balanced_acc"}));
    f.push_back(
        choice_field("train.early_stopping.mode", IMGCLS_REF(train.early_stopping.mode), {"auto", "min", "max"}));
    f.push_back(int_field("train.early_stopping.patience", IMGCLS_REF(train.early_stopping.patience), 0,
                          "a non-negative integer (0 = never stop early)"));
    f.push_back(number_field("train.early_stopping.min_delta", IMGCLS_REF(train.early_stopping.min_delta),
                             "a non-negative number", non_negative));
    f.push_back(number_field("train.label_smoothing", IMGCLS_REF(train.label_smoothing), "a number in [0, 1)",
                             [](double v) { return v >= 0 && v < 1; }));
    f.push_back(since(2, class_weights_field()));
    f.push_back(number_field("train.grad_clip_norm", IMGCLS_REF(train.grad_clip_norm),
                             "a non-negative number (0 = no clipping)", non_negative));
    f.push_back(int_field("train.grad_accum_steps", IMGCLS_REF(train.grad_accum_steps), 1, "a positive integer"));
    f.push_back(choice_field("train.amp", IMGCLS_REF(train.amp), {"none", "bf16", "fp16", "auto"}));
    f.push_back(choice_field("train.channels_last", IMGCLS_REF(train.channels_last), {"auto", "true", "false"}));
    f.push_back(int_field("train.val_every", IMGCLS_REF(train.val_every), 1, "a positive integer (epochs)"));
    f.push_back(bool_field("train.deterministic", IMGCLS_REF(train.deterministic)));
    f.push_back(choice_field("train.on_nan", IMGCLS_REF(train.on_nan), {"stop", "skip_batch"}));
    f.push_back(since(2, number_field("train.mixup.mixup_alpha", IMGCLS_REF(train.mixup.mixup_alpha),
                             "a non-negative number (0 = no mixup)", non_negative)));
    f.push_back(since(2, number_field("train.mixup.cutmix_alpha", IMGCLS_REF(train.mixup.cutmix_alpha),
                             "a non-negative number (0 = no cutmix)", non_negative)));
    f.push_back(since(2, number_field("train.mixup.prob", IMGCLS_REF(train.mixup.prob), "a number in [0, 1]",
                             [](double v) { return v >= 0 && v <= 1; })));
    f.push_back(since(2, number_field("train.mixup.switch_prob", IMGCLS_REF(train.mixup.switch_prob), "a number in [0, 1]",
                             [](double v) { return v >= 0 && v <= 1; })));
    f.push_back(since(2, choice_field("train.mixup.mode", IMGCLS_REF(train.mixup.mode), {"batch"})));
    f.push_back(since(2, bool_field("train.ema.enabled", IMGCLS_REF(train.ema.enabled))));
    f.push_back(since(2, number_field("train.ema.decay", IMGCLS_REF(train.ema.decay), "a number in [0, 1)",
                             [](double v) { return v >= 0 && v < 1; })));
    f.push_back(since(2, bool_field("train.ema.warmup", IMGCLS_REF(train.ema.warmup))));
    f.push_back(since(2, int_field("train.ema.every", IMGCLS_REF(train.ema.every), 1, "a positive integer (optimizer steps)")));
    f.push_back(since(2, bool_field("train.ema.use_for_best", IMGCLS_REF(train.ema.use_for_best))));
    f.push_back(int_field("output.keep_last", IMGCLS_REF(output.keep_last), 0,
                          "a non-negative integer (0 = keep no epoch-N.pt)"));
    f.push_back(resumable(bool_field("logging.tensorboard", IMGCLS_REF(logging.tensorboard))));
    f.push_back(
        resumable(choice_field("distributed.backend", IMGCLS_REF(distributed.backend), {"auto", "gloo", "nccl"})));
    f.push_back(resumable(
        int_field("distributed.timeout_s", IMGCLS_REF(distributed.timeout_s), 1, "a positive integer (seconds)")));
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

std::vector<std::string> config_keys() {
  std::vector<std::string> keys;
  for (const auto& f : schema()) keys.push_back(f.key);
  return keys;
}

}  // namespace imgcls
