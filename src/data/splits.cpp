#include "data/splits.hpp"

#include <ATen/ATen.h>

#include <cmath>

#include "data/cifar.hpp"
#include "data/mnist.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"

namespace imgcls {
namespace {

std::string default_root(const std::string& dataset) {
  if (dataset == "fashion_mnist" || dataset == "mnist") return default_mnist_root(dataset);
  return "data/" + dataset;
}

TensorDataset load(const Config& c, bool train) {
  const auto root = c.data.root.empty() ? default_root(c.data.dataset) : c.data.root;
  if (c.data.dataset == "cifar10" || c.data.dataset == "cifar100")
    return load_cifar(c.data.dataset, root, train, c.data.label);
  return load_mnist(c.data.dataset, root, train);
}

}  // namespace

DataShape data_shape(const Config& config) {
  const auto& d = config.data;
  DataShape shape{1, 28, 28, 10};
  if (d.dataset == "cifar10" || d.dataset == "cifar100") shape = {3, 32, 32, d.dataset == "cifar10" ? 10 : 100};
  if (d.dataset == "cifar100" && d.label == "coarse") shape.num_classes = 20;
  if (!d.classes.empty()) shape.num_classes = static_cast<int64_t>(d.classes.size());
  return shape;
}

TensorDataset select_classes(const TensorDataset& ds, const std::vector<int64_t>& classes, const std::string& where) {
  if (classes.empty()) return ds;
  const auto known = static_cast<int64_t>(ds.class_names.size());
  auto mapping = at::full({known}, -1, at::kLong);
  std::vector<std::string> names;
  for (std::size_t i = 0; i < classes.size(); ++i) {
    if (classes[i] < 0 || classes[i] >= known)
      throw DataError(where + ": data.classes: class " + std::to_string(classes[i]) + " does not exist (this dataset has " +
                      std::to_string(known) + " classes, 0.." + std::to_string(known - 1) + ")");
    mapping[classes[i]] = static_cast<int64_t>(i);
    names.push_back(ds.class_names[static_cast<std::size_t>(classes[i])]);
  }
  const auto new_labels = mapping.index_select(0, ds.labels);
  const auto keep = new_labels.ge(0).nonzero().squeeze(1);
  TensorDataset out{ds.images.index_select(0, keep), new_labels.index_select(0, keep), names};
  return out;
}

DataSplits make_splits(const Config& config) {
  const auto& d = config.data;
  auto train = select_classes(load(config, true), d.classes, config.where("data.classes"));
  auto test = select_classes(load(config, false), d.classes, config.where("data.classes"));
  if (train.size() == 0) throw DataError("data.classes: no training images of the chosen classes");
  if (d.limit > 0 && d.limit < train.size()) train = train.subset(at::arange(d.limit, at::kLong));

  DataSplits splits;
  if (d.val == "test") {
    splits.val = test;
    splits.train = std::move(train);
  } else {
    const int64_t n = train.size();
    const int64_t n_val = d.val_split >= 1 ? static_cast<int64_t>(d.val_split)
                                           : static_cast<int64_t>(std::floor(d.val_split * static_cast<double>(n)));
    if (n_val >= n)
      throw ConfigError(config.where("data.val_split") + ": data.val_split: asks for " + std::to_string(n_val) +
                        " validation images but only " + std::to_string(n) + " training images are available" +
                        (d.limit > 0 ? " (data.limit)" : ""));
    if (n_val > 0) {
      auto gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(config.seed));
      const auto perm = at::randperm(n, gen, at::kLong);
      splits.val = train.subset(perm.slice(0, n - n_val, n));
      splits.train = train.subset(perm.slice(0, 0, n - n_val));
    } else {
      splits.train = std::move(train);
    }
  }
  splits.test = std::move(test);
  splits.channels = splits.train.images.size(1);
  splits.height = splits.train.images.size(2);
  splits.width = splits.train.images.size(3);
  splits.num_classes = static_cast<int64_t>(splits.train.class_names.size());
  return splits;
}

}  // namespace imgcls
