#include "engine/preflight.hpp"

#include <ATen/ATen.h>
#include <torch/optim/optimizer.h>

#include "data/batch_count.hpp"
#include "data/dataset.hpp"
#include "data/device_batches.hpp"
#include "data/rng.hpp"
#include "data/splits.hpp"
#include "engine/device.hpp"
#include "engine/lr_schedule.hpp"
#include "engine/optimizers.hpp"
#include "imgcls/errors.hpp"
#include "models/classifier.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace {

// The data.* keys that only the loader reads: the splits do not depend on them.
bool loader_only(const std::string& key) {
  return key == "data.batch_size" || key == "data.workers" || key == "data.prefetch" || key == "data.drop_last" ||
         key == "data.device_resident" || key == "data.on_bad_image";
}

// What make_splits depends on: the seed and the data.* keys.
std::string splits_key(const Config& c) {
  std::string key = "seed=" + value_text(c, "seed");
  for (const auto& k : config_keys())
    if (starts_with(k, "data.") && !loader_only(k)) key += "\n" + k + "=" + value_text(c, k);
  return key;
}

}  // namespace

std::vector<int64_t> train_class_counts(const Dataset& train) {
  const auto labels = train.labels.to(at::kLong).contiguous();
  return class_counts(std::vector<int64_t>(labels.data_ptr<int64_t>(), labels.data_ptr<int64_t>() + labels.numel()),
                      static_cast<int64_t>(train.class_names.size()));
}

Preflight::Preflight() = default;
Preflight::~Preflight() = default;

std::string Preflight::check(const Config& c) {
  const auto device = pick_device(c);
  auto& cached = splits_[splits_key(c)];
  if (!cached.splits && !cached.error) {
    try {
      cached.splits = std::make_shared<const DataSplits>(make_splits(c));
    } catch (...) {
      cached.error = std::current_exception();
    }
  }
  if (cached.error) std::rethrow_exception(cached.error);
  const auto& data = *cached.splits;
  auto model = make_model(c, InputSpec{data.channels, data.height, data.width, data.num_classes});
  auto optimizer = make_optimizer(c.optimizer, param_groups(*model, c.optimizer));
  check_makes_a_batch(c, data.train.size());
  resolve_class_weights(c, train_class_counts(data.train), data.train.class_names);
  const auto steps = batch_count(data.train.size(), c.data.batch_size, c.data.drop_last);
  const LrSchedule schedule(c.scheduler, c.optimizer.lr, c.train.epochs,
                            (steps + c.train.grad_accum_steps - 1) / c.train.grad_accum_steps);
  use_device_batches(c.data.device_resident, device, data.train, c.data.train_transforms,
                     c.where("data.device_resident"));
  return "train " + std::to_string(data.train.size()) + ", val " + std::to_string(data.val.size()) + ", test " +
         std::to_string(data.test.size()) + "; " + std::to_string(data.channels) + "x" + std::to_string(data.height) +
         "x" + std::to_string(data.width) + ", " + std::to_string(data.num_classes) + " classes; " + c.model.name +
         ", " + std::to_string(count_parameters(*model)) + " parameters";
}

void check_makes_a_batch(const Config& c, int64_t train_images) {
  if (batch_count(train_images, c.data.batch_size, c.data.drop_last) > 0) return;
  throw ConfigError(c.where("data.drop_last") + ": data.drop_last: the " + std::to_string(train_images) +
                    " training images make no full batch of " + std::to_string(c.data.batch_size) +
                    "; set data.drop_last=false or data.batch_size=" +
                    std::to_string(std::max<int64_t>(1, train_images)) + " or less");
}

std::vector<double> resolve_class_weights(const Config& c, const std::vector<int64_t>& counts,
                                          const std::vector<std::string>& class_names) {
  const auto k = static_cast<int64_t>(counts.size());
  const auto name = [&](std::size_t i) {
    return std::to_string(i) + (i < class_names.size() ? " (" + class_names[i] + ")" : std::string());
  };
  const auto empty_class = [&]() -> std::string {
    for (std::size_t i = 0; i < counts.size(); ++i)
      if (counts[i] == 0) return name(i);
    return "";
  };
  if (c.data.sampler == "balanced")
    if (const auto empty = empty_class(); !empty.empty())
      throw ConfigError(c.where("data.sampler") + ": data.sampler: balanced needs training images of every class, " +
                        "but class " + empty + " has none; allowed: random, or data.classes without that class");
  const auto& w = c.train;
  if (w.class_weights == "none") return {};
  if (w.class_weights == "list") {
    if (static_cast<int64_t>(w.class_weight_list.size()) != k)
      throw ConfigError(c.where("train.class_weights") +
                        ": train.class_weights: " + std::to_string(w.class_weight_list.size()) + " weights for " +
                        std::to_string(k) + " classes; allowed: none, balanced, or a list of " + std::to_string(k) +
                        " positive numbers in class-index order");
    return w.class_weight_list;
  }
  if (const auto empty = empty_class(); !empty.empty())
    throw ConfigError(c.where("train.class_weights") + ": train.class_weights: balanced divides by each class's " +
                      "training images, but class " + empty + " has none; allowed: none, a list of " +
                      std::to_string(k) + " positive numbers, or data.classes without that class");
  int64_t n = 0;
  for (const auto count : counts) n += count;
  std::vector<double> weights;
  for (const auto count : counts)
    weights.push_back(static_cast<double>(n) / (static_cast<double>(k) * static_cast<double>(count)));
  return weights;
}

}  // namespace imgcls
