#include "config/checks.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <tuple>
#include <utility>

#include "config/fail.hpp"
#include "data/dataset_table.hpp"
#include "transforms/transform.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace {

constexpr double kMaxFloat = std::numeric_limits<float>::max();

// Checks one transform list on its own (normalize last, channel counts); returns the
// number of channels it outputs.
int64_t check_transform_list(const Config& c, const std::string& key, const std::vector<TransformSpec>& list) {
  int64_t channels = input_channels(c.data);
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& t = list[i];
    const auto item = key + "[" + std::to_string(i) + "]." + t.name;
    const auto where = t.where.empty() ? c.where(key) : t.where;
    const auto& d = transform_of(t);
    if (d.out_channels) channels = d.out_channels(t, channels);
    if (d.on_tensor && !d.make_tensor) {  // normalize
      for (std::size_t k = i + 1; k < list.size(); ++k)
        if (!transform_of(list[k]).make_tensor)
          fail(where, item, t.name + " must be the last transform apart from random_erasing (it turns the " +
                                "image into normalised floats), but " + list[k].name + " follows it");
      for (const auto* v : {&t.mean, &t.std})
        if (v->size() != 1 && static_cast<int64_t>(v->size()) != channels)
          fail(where, item, "has " + std::to_string(v->size()) + " values but the images have " +
                                std::to_string(channels) + " channel(s) here");
    }
    if (d.make_tensor) {  // random_erasing: on the normalised tensor
      const bool after_normalize =
          std::any_of(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(i), [](const TransformSpec& s) {
            const auto& e = transform_of(s);
            return e.on_tensor && !e.make_tensor;
          });
      if (!after_normalize)
        fail(where, item, t.name + " must come after normalize (it works on the normalised tensor, as " +
                              "torchvision's " + d.torchvision_name + " after Normalize)");
      if (t.erase_value.size() > 1 && static_cast<int64_t>(t.erase_value.size()) != channels)
        fail(where, item + ".value",
             "has " + std::to_string(t.erase_value.size()) + " values but the images have " + std::to_string(channels) +
                 " channel(s) here (one value, one per channel, or random)");
    }
  }
  return channels;
}

// The size data.image_size stands for in a transform list: the first (height) of the size of
// its last resize or crop; none when it has none.
std::optional<int64_t> reference_size(const std::vector<TransformSpec>& list) {
  for (auto it = list.rbegin(); it != list.rend(); ++it)
    if (!it->size.empty()) return it->size[0];
  return std::nullopt;
}

// data.image_size beside an image folder's own transform lists: given, it scales every resize
// and crop size of each list by image_size / the list's reference size (so `data.image_size=64`
// shrinks the flowers pipeline's resize 256 / crop 224 to 73 / 64); not given, it records the
// lists' size, so that the resolved config.yaml reads back to the same lists.
void apply_image_size(Config& c) {
  auto& d = c.data;
  const bool given = c.where("data.image_size") != "default";
  // What data.image_size is when not given: the first given list's size, else the default.
  // Given with that value it changes nothing, so a list without resize or crop beside it is
  // no error: that is what the resolved config.yaml holds (found by fuzzing the round trip).
  int64_t unscaled = DataConfig{}.image_size;
  for (const auto* list : {&d.val_transforms, &d.train_transforms}) {
    const bool list_given = c.where(list == &d.val_transforms ? "data.val_transforms" : "data.train_transforms") != "default";
    if (const auto reference = list_given ? reference_size(*list) : std::nullopt) {
      unscaled = *reference;
      break;
    }
  }
  // Not given, the lists must end at one size: data.image_size records it, and the resolved
  // config.yaml (which gives it) would otherwise scale the other list on reading it back.
  if (!given && c.where("data.val_transforms") != "default" && c.where("data.train_transforms") != "default") {
    const auto val = reference_size(d.val_transforms), train = reference_size(d.train_transforms);
    if (val && train && *val != *train)
      fail(c.where("data.train_transforms"), "data.train_transforms",
           "ends at size " + std::to_string(*train) + " (its last resize or crop) but data.val_transforms (" +
               c.where("data.val_transforms") + ") at " + std::to_string(*val) +
               "; the model takes one input size: make both lists end at the same size");
  }
  bool recorded = false;
  for (const char* key : {"data.val_transforms", "data.train_transforms"}) {
    if (c.where(key) == "default") continue;
    auto& list = std::string(key) == "data.val_transforms" ? d.val_transforms : d.train_transforms;
    const auto reference = reference_size(list);
    if (!reference) {
      if (given && d.image_size != unscaled)
        fail(c.where("data.image_size"), "data.image_size",
             "has nothing to set: " + std::string(key) + " (" + c.where(key) +
                 ") has no resize or crop; add one, or leave data.image_size out");
      continue;
    }
    if (!given) {
      if (!recorded) d.image_size = *reference, recorded = true;
      continue;
    }
    const double factor = static_cast<double>(d.image_size) / static_cast<double>(*reference);
    for (auto& t : list)
      for (auto& v : t.size) v = std::max<int64_t>(1, std::lround(static_cast<double>(v) * factor));
  }
}

void check_data(Config& c) {
  auto& d = c.data;
  if (d.workers > kMaxLoaderWorkers)
    fail(c.where("data.workers"), "data.workers",
         "at most " + std::to_string(kMaxLoaderWorkers) + " loader threads, got " + std::to_string(d.workers));
  if (d.channels != 1 && d.channels != 3) fail(c.where("data.channels"), "data.channels", "expected 1 or 3, got '" + std::to_string(d.channels) + "'");
  const bool folder = dataset_info(d.dataset).format == DatasetFormat::kImageFolder;
  const auto folder_only = [&](const char* key, bool given) {
    if (!folder && given)
      fail(c.where(key), key, "is for data.dataset: image_folder only (data.dataset is '" + d.dataset + "')");
  };
  folder_only("data.train_root", !d.train_root.empty());
  folder_only("data.val_root", !d.val_root.empty());
  folder_only("data.test_root", !d.test_root.empty());
  folder_only("data.channels", d.channels != 3);
  folder_only("data.image_size", d.image_size != DataConfig{}.image_size);
  if (folder && d.root.empty() && d.train_root.empty())
    fail(c.where("data.dataset"), "data.root", "image_folder needs data.root (a folder of class folders) or data.train_root");
  if (folder && !d.root.empty() && !d.train_root.empty())
    fail(c.where("data.train_root"), "data.train_root", "give either data.root or data.train_root, not both");
  if (!d.val_root.empty() && d.val == "test")
    fail(c.where("data.val"), "data.val", "'test' conflicts with data.val_root; give one of them");

  if (folder) apply_image_size(c);
  if (c.where("data.train_transforms") == "default") d.train_transforms = default_transforms(d, true);
  if (c.where("data.val_transforms") == "default") d.val_transforms = default_transforms(d, false);
  const auto train_channels = check_transform_list(c, "data.train_transforms", d.train_transforms);
  const auto val_channels = check_transform_list(c, "data.val_transforms", d.val_transforms);
  if (train_channels != val_channels)
    fail(c.where("data.val_transforms"), "data.val_transforms",
         "gives " + std::to_string(val_channels) + "-channel images but data.train_transforms gives " +
             std::to_string(train_channels) + "; the model needs one input shape");
}

// This machine's memory in bytes (0 when unknown).
double memory_bytes() {
  const auto pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<double>(pages) * static_cast<double>(page) : 0;
}

std::string bytes_text(double bytes) {
  const char* units[] = {"bytes", "KB", "MB", "GB", "TB", "PB"};
  int u = 0;
  while (bytes >= 1000 && u < 5) bytes /= 1000, ++u;
  return (u == 5 && bytes >= 1000 ? shortest_text(std::round(bytes)) : fixed(bytes, u ? 1 : 0)) + " " + units[u];
}

// Sizes that would only fail when LibTorch allocates (or never finish allocating): the
// model's weights with their gradients and two optimizer moments, and one batch of input
// images as floats, each against this machine's memory. Estimates from below, so a refusal is
// certain; the check is done before any data is read or any tensor made.
void check_memory(const Config& c) {
  const double memory = memory_bytes();
  if (memory <= 0) return;
  const auto& d = c.data;
  const auto& info = dataset_info(d.dataset);
  const auto side = reference_size(d.val_transforms).value_or(info.height);
  if (side <= 0) return;  // an image folder sized by its first image
  const double channels = static_cast<double>(input_channels(d));
  const double pixels = static_cast<double>(side) * static_cast<double>(side);
  const double batch = 4.0 * static_cast<double>(d.batch_size) * channels * pixels;
  const bool folder = info.format == DatasetFormat::kImageFolder;
  const char* size_key = folder && c.where("data.image_size") != "default" ? "data.image_size" : "data.batch_size";
  if (batch > memory)
    fail(c.where(size_key), size_key,
         "one batch of " + std::to_string(d.batch_size) + " images of " + shortest_text(channels) + "x" +
             std::to_string(side) + "x" + std::to_string(side) + " takes " + bytes_text(batch) +
             " as floats, before the model's activations; this machine has " + bytes_text(memory));
  const auto& m = c.model;
  double params = 0;
  const char* key = nullptr;
  const double state_per_param = 16.0;  // fp32 weights, gradients and two optimizer moments
  if (m.name == "mlp" || m.name == "vgg_cnn") {
    double width = channels * pixels;
    if (m.name == "vgg_cnn") {
      double in = channels;
      for (const auto w : m.widths) params += 9.0 * in * static_cast<double>(w), in = static_cast<double>(w);
      width = in;  // after global pooling, at the least
      if (state_per_param * params > memory) key = "model.widths";
    }
    for (const auto h : m.hidden) params += width * static_cast<double>(h), width = static_cast<double>(h);
    params += width * 2;  // the head: two classes at the least
    if (!key) key = "model.hidden";
  } else if (m.name == "residual_cnn") {
    double in = static_cast<double>(m.stem_channels);
    for (const auto w : m.widths) params += 9.0 * in * static_cast<double>(w) * static_cast<double>(m.blocks), in = static_cast<double>(w);
    key = "model.widths";
  } else if (m.name == "cifar_cnn") {
    params = 9.0 * static_cast<double>(m.hidden_size) * static_cast<double>(m.hidden_size);
    key = "model.hidden_size";
  }
  const double state = state_per_param * params;
  if (key && state > memory)
    fail(c.where(key), key,
         "makes a model of at least " + shortest_text(std::round(params)) + " parameters, " + bytes_text(state) +
             " with their gradients and optimizer state; this machine has " + bytes_text(memory));
}

// A train.class_weights list has one weight per class: checked here when the config alone
// says how many classes there are (data.classes, or a dataset with a fixed count); image
// folders are checked against their class folders before training (resolve_class_weights).
void check_class_weights(const Config& c) {
  const auto& t = c.train;
  if (t.class_weights != "list") return;
  const auto& info = dataset_info(c.data.dataset);
  int64_t classes = static_cast<int64_t>(std::max(c.data.classes.size(), c.data.class_names.size()));
  if (classes == 0) classes = c.data.label == "coarse" ? info.coarse_classes : info.classes;
  if (classes == 0 || static_cast<int64_t>(t.class_weight_list.size()) == classes) return;
  fail(c.where("train.class_weights"), "train.class_weights",
       std::to_string(t.class_weight_list.size()) + " weights for " + std::to_string(classes) +
           " classes; allowed: none, balanced, or a list of " + std::to_string(classes) +
           " positive numbers in class-index order");
}

}  // namespace

int64_t input_channels(const DataConfig& d) {
  const auto& info = dataset_info(d.dataset);
  return info.channels > 0 ? info.channels : d.channels;
}

void check_combinations(Config& c) {
  const auto& o = c.optimizer;
  if (c.threads > kMaxThreads)
    fail(c.where("threads"), "threads",
         "at most " + std::to_string(kMaxThreads) + " CPU threads, got " + std::to_string(c.threads) +
             " (0 = LibTorch's default, one per core)");
  // The optimizers keep these in 32-bit floats: a larger value would fail in the first step.
  for (const auto& [key, value] : {std::pair<const char*, double>{"optimizer.lr", o.lr},
                                   {"optimizer.weight_decay", o.weight_decay},
                                   {"scheduler.max_lr", c.scheduler.max_lr},
                                   {"scheduler.eta_min", c.scheduler.eta_min}})
    if (!(std::fabs(value) <= kMaxFloat))
      fail(c.where(key), key, shortest_text(value) + " does not fit the 32-bit float the optimizer keeps it in (at most 3.4e38)");
  if (o.momentum != 0 && o.name != "sgd" && o.name != "rmsprop")
    fail(c.where("optimizer.momentum"), "optimizer.momentum",
         "only sgd and rmsprop use momentum, but optimizer.name is '" + o.name + "'");
  if (o.nesterov && (o.name != "sgd" || o.momentum <= 0 || o.dampening != 0))
    fail(c.where("optimizer.nesterov"), "optimizer.nesterov",
         "needs optimizer.name: sgd with momentum > 0 and dampening 0 (as PyTorch)");
  if (o.fused == "true" && o.name != "adam" && o.name != "adamw")
    fail(c.where("optimizer.fused"), "optimizer.fused",
         "true needs optimizer.name adam or adamw (the optimizers with a fused kernel here), but it is '" + o.name +
             "'");
  // PyTorch's AdamW defaults to weight_decay 0.01; without it AdamW is Adam.
  if (o.name == "adamw" && c.where("optimizer.weight_decay") == "default") c.optimizer.weight_decay = 0.01;
  // Mixing asked for (a probability set) with nothing to mix with. Alphas of 0 alone are "off"
  // (a resolved config.yaml lists them; an ablation sets them to 0).
  const MixupConfig mixup_defaults;
  if (!c.train.mixup.enabled())
    for (const auto& [key, value, default_value] :
         {std::tuple{"train.mixup.prob", c.train.mixup.prob, mixup_defaults.prob},
          std::tuple{"train.mixup.switch_prob", c.train.mixup.switch_prob, mixup_defaults.switch_prob}})
      if (value != default_value)
        fail(c.where(key), key,
             "train.mixup.mixup_alpha and train.mixup.cutmix_alpha are both 0, so nothing is mixed; give one of "
             "them a value > 0 (timm: 0.8 and 1.0)");
  const EmaConfig ema_defaults;
  const auto& ema = c.train.ema;
  if (!ema.enabled)
    for (const auto& [key, differs] :
         {std::pair{"train.ema.decay", ema.decay != ema_defaults.decay},
          std::pair{"train.ema.warmup", ema.warmup != ema_defaults.warmup},
          std::pair{"train.ema.every", ema.every != ema_defaults.every},
          std::pair{"train.ema.use_for_best", ema.use_for_best != ema_defaults.use_for_best}})
      if (differs) fail(c.where(key), key, "has no effect without train.ema.enabled: true");
  if (ema.use_for_best && c.train.early_stopping.monitor.rfind("val_", 0) != 0)
    fail(c.where("train.ema.use_for_best"), "train.ema.use_for_best",
         "picks best.pt by val_loss_ema or val_acc_ema, so train.early_stopping.monitor must be val_loss or val_acc, "
         "not '" +
             c.train.early_stopping.monitor + "'");

  for (std::size_t i = 0; i < c.data.classes.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (c.data.classes[i] == c.data.classes[j])
        fail(c.where("data.classes"), "data.classes", "class " + std::to_string(c.data.classes[i]) + " is listed twice");
  for (std::size_t i = 0; i < c.data.class_names.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (c.data.class_names[i] == c.data.class_names[j])
        fail(c.where("data.classes"), "data.classes", "class '" + c.data.class_names[i] + "' is listed twice");
  if (c.model.name == "torchscript" && c.model.path.empty())
    fail(c.where("model.name"), "model.path", "torchscript needs model.path, a file written by scripts/export_resnet.py "
                                              "or `imgcls export --torchscript`");
  if (c.data.label == "coarse" && dataset_info(c.data.dataset).coarse_classes == 0) {
    std::vector<std::string> with_coarse;
    for (const auto& d : dataset_table())
      if (d.coarse_classes > 0) with_coarse.push_back(d.name);
    fail(c.where("data.label"), "data.label", "coarse labels exist only for " + join(with_coarse, ", "));
  }

  check_data(c);
  check_class_weights(c);

  const auto& s = c.scheduler;
  if (s.name == "multistep") {
    if (s.milestones.empty())
      fail(c.where("scheduler.milestones"), "scheduler.milestones", "multistep needs a non-empty list of epochs");
    for (std::size_t i = 1; i < s.milestones.size(); ++i)
      if (s.milestones[i] <= s.milestones[i - 1])
        fail(c.where("scheduler.milestones"), "scheduler.milestones", "epochs must be strictly increasing");
  }
  if (s.warmup_epochs > 0 && s.warmup_steps > 0)
    fail(c.where("scheduler.warmup_steps"), "scheduler.warmup_steps",
         "give either scheduler.warmup_epochs or scheduler.warmup_steps, not both");
  check_memory(c);
  if (s.warmup_epochs >= c.train.epochs)
    fail(c.where("scheduler.warmup_epochs"), "scheduler.warmup_epochs",
         "must be fewer than train.epochs (" + std::to_string(c.train.epochs) + ")");
}


std::vector<TransformSpec> default_transforms(const DataConfig& data, bool train) {
  static_cast<void>(train);  // the defaults do not augment: the seeds' pipelines do not either
  std::vector<TransformSpec> list;
  if (dataset_info(data.dataset).format == DatasetFormat::kImageFolder) {
    TransformSpec resize;
    resize.name = "resize";
    resize.size = {data.image_size, data.image_size};
    list.push_back(resize);
  }
  const std::size_t channels = static_cast<std::size_t>(input_channels(data));
  TransformSpec normalize;
  normalize.name = "normalize";
  normalize.mean.assign(channels, 0.5);
  normalize.std.assign(channels, 0.5);
  list.push_back(normalize);
  return list;
}

}  // namespace imgcls
