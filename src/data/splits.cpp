#include "data/splits.hpp"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <tuple>
#include <utility>

#include "config/checks.hpp"
#include "data/cifar.hpp"
#include "data/dataset_table.hpp"
#include "data/image_folder.hpp"
#include "data/mnist.hpp"
#include "data/transforms.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace {

std::string default_root(const std::string& dataset) { return dataset_info(dataset).default_root; }

bool is_folder(const Config& c) { return dataset_info(c.data.dataset).format == DatasetFormat::kImageFolder; }
std::string folder_train_root(const Config& c) { return c.data.train_root.empty() ? c.data.root : c.data.train_root; }

// The train and test splits of a dataset in a single-file format (MNIST family, CIFAR).
std::pair<Dataset, Dataset> load(const Config& c) {
  const auto root = c.data.root.empty() ? default_root(c.data.dataset) : c.data.root;
  if (dataset_info(c.data.dataset).format == DatasetFormat::kCifar)
    return {load_cifar(c.data.dataset, root, true, c.data.label),
            load_cifar(c.data.dataset, root, false, c.data.label)};
  return load_mnist_train_test(c.data.dataset, root);
}

// The model's input size: what the validation transforms make of the training images. When
// the transforms do not fix it (an image folder without resize or crop), the first image
// decides.
std::pair<int64_t, int64_t> input_size(const Config& c, const Dataset& train) {
  const Pipeline val(c.data.val_transforms, train.channels);
  if (train.in_memory()) return val.out_size(train.images.size(2), train.images.size(3));
  const auto fixed = val.out_size(-1, -1);
  if (fixed.first > 0) return fixed;
  Rng rng(0);
  const auto img = val.apply(decode_image(train.paths.front(), train.channels, c.data.max_image_pixels), rng);
  return {img.rows, img.cols};
}

// data.val_split asks for n_val of the n training images (n_val >= n): what is wrong and the
// override that fixes it (a fraction, which fits any data.limit).
std::string val_split_too_large(const Config& c, int64_t n_val, int64_t n) {
  const auto& d = c.data;
  std::string text = c.where("data.val_split") + ": data.val_split: asks for " + std::to_string(n_val) +
                     " validation images but only " + std::to_string(n) + " training images are available";
  if (d.limit > 0 && n == d.limit) text += " (data.limit=" + std::to_string(d.limit) + ")";
  const auto fifth = static_cast<int64_t>(std::floor(0.2 * static_cast<double>(n)));
  if (fifth > 0)
    text += "; hold out a fraction instead, e.g. data.val_split=0.2 (" + std::to_string(fifth) +
            " images), or a count below " + std::to_string(n);
  else
    text += "; too few images to hold any out: data.val_split=0 trains on all of them";
  return text;
}

}  // namespace

DataShape data_shape(const Config& config) {
  const auto& d = config.data;
  const Pipeline val(d.val_transforms, input_channels(d));
  const auto& info = dataset_info(d.dataset);
  DataShape shape{val.out_channels(), info.height, info.width,
                  d.label == "coarse" && info.coarse_classes > 0 ? info.coarse_classes : info.classes};
  if (is_folder(config)) {
    const auto fixed = val.out_size(-1, -1);
    if (fixed.first > 0) {
      shape.num_classes = static_cast<int64_t>(training_classes(folder_train_root(config)).size());
      shape.height = fixed.first, shape.width = fixed.second;
    } else {
      const auto classes = training_classes(folder_train_root(config));
      const auto train = scan_image_folder(folder_train_root(config), d.channels, &classes);
      shape.num_classes = static_cast<int64_t>(train.class_names.size());
      std::tie(shape.height, shape.width) = input_size(config, train);
    }
  } else {
    std::tie(shape.height, shape.width) = val.out_size(shape.height, shape.width);
  }
  if (!d.classes.empty()) shape.num_classes = static_cast<int64_t>(d.classes.size());
  if (!d.class_names.empty()) shape.num_classes = static_cast<int64_t>(d.class_names.size());
  return shape;
}

std::vector<int64_t> class_indices(const DataConfig& d, const std::vector<std::string>& known,
                                   const std::string& where) {
  if (d.class_names.empty()) return d.classes;
  std::vector<int64_t> indices;
  for (const auto& name : d.class_names) {
    const auto it = std::find(known.begin(), known.end(), name);
    if (it == known.end()) {
      std::string near;
      std::size_t best = std::max<std::size_t>(2, name.size() / 4) + 1;
      for (const auto& k : known)
        if (const auto dist = edit_distance(name, k); dist < best) best = dist, near = k;
      throw DataError(where + ": data.classes: no class '" + name + "' (the classes are " + join(known, ", ") + ")" +
                      (near.empty() ? "" : "; did you mean '" + near + "'?"));
    }
    indices.push_back(static_cast<int64_t>(it - known.begin()));
  }
  return indices;
}

Dataset select_classes(const Dataset& ds, const std::vector<int64_t>& classes, const std::string& where) {
  if (classes.empty() || ds.size() == 0) return ds;
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
  auto out = ds.subset(keep);
  out.labels = new_labels.index_select(0, keep);
  out.class_names = names;
  return out;
}

DataSplits make_splits(const Config& config) {
  const auto& d = config.data;
  const auto classes_where = config.where("data.classes");
  Dataset train, test, given_val;
  if (is_folder(config)) {
    const auto classes = training_classes(folder_train_root(config));
    train = scan_image_folder(folder_train_root(config), d.channels, &classes);
    if (!d.val_root.empty()) given_val = scan_image_folder(d.val_root, d.channels, &train.class_names);
    if (!d.test_root.empty()) test = scan_image_folder(d.test_root, d.channels, &train.class_names);
  } else {
    std::tie(train, test) = load(config);
  }
  const auto classes = class_indices(d, train.class_names, classes_where);
  given_val = select_classes(given_val, classes, classes_where);
  train = select_classes(train, classes, classes_where);
  test = select_classes(test, classes, classes_where);
  if (train.size() == 0) {
    if (d.classes.empty() && d.class_names.empty())  // nothing was chosen: the files hold no images
      throw DataError((is_folder(config) ? folder_train_root(config) : d.root) + ": the training split has no images");
    throw DataError(classes_where + ": data.classes: no training images of the chosen classes");
  }
  if (d.limit > 0 && d.limit < train.size()) train = train.subset(at::arange(d.limit, at::kLong));

  DataSplits splits;
  if (d.val == "test") {
    if (test.size() == 0)
      throw ConfigError(config.where("data.val") + ": data.val: 'test' needs a test split, and this dataset has none "
                                                   "(give data.test_root)");
    splits.val = test;
    splits.train = std::move(train);
  } else if (!d.val_root.empty()) {
    splits.val = std::move(given_val);
    splits.train = std::move(train);
  } else {
    const int64_t n = train.size();
    const int64_t n_val = d.val_split >= 1 ? static_cast<int64_t>(d.val_split)
                                           : static_cast<int64_t>(std::floor(d.val_split * static_cast<double>(n)));
    if (n_val >= n) throw ConfigError(val_split_too_large(config, n_val, n));
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
  for (auto* split : {&splits.train, &splits.val, &splits.test}) split->max_image_pixels = d.max_image_pixels;
  splits.channels = Pipeline(d.val_transforms, splits.train.channels).out_channels();
  std::tie(splits.height, splits.width) = input_size(config, splits.train);
  splits.num_classes = static_cast<int64_t>(splits.train.class_names.size());
  return splits;
}

}  // namespace imgcls
