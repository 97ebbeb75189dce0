#include "data/mnist.hpp"

#include <ATen/ATen.h>

#include <cstring>
#include <filesystem>

#include "data/dataset_table.hpp"
#include "imgcls/data/idx.hpp"
#include "imgcls/errors.hpp"

namespace imgcls {
namespace fs = std::filesystem;
namespace {

std::string find_file(const std::string& root, const std::string& base) {
  for (const auto& candidate : {base + ".gz", base}) {
    const auto p = fs::path(root) / candidate;
    if (fs::exists(p)) return p.string();
  }
  return "";
}

}  // namespace

namespace {

// One split, and the images file it came from (for messages).
Dataset load_split(const std::string& dataset, const std::string& root, bool train, std::string* images_file) {
  const std::string prefix = train ? "train" : "t10k";
  const auto images_base = prefix + "-images-idx3-ubyte";
  const auto labels_base = prefix + "-labels-idx1-ubyte";
  const auto images_path = find_file(root, images_base);
  const auto labels_path = find_file(root, labels_base);
  if (images_path.empty() || labels_path.empty()) {
    if (!fs::is_directory(root))
      throw DataError(root + ": data.root folder does not exist (" + dataset + " expects " + images_base + "[.gz] and " +
                      labels_base + "[.gz] in it)");
    throw DataError(root + ": missing " + (images_path.empty() ? images_base : labels_base) + "[.gz] (" + dataset +
                    " expects train- and t10k- images-idx3-ubyte and labels-idx1-ubyte, raw or .gz)");
  }
  if (images_file) *images_file = images_path;
  auto images = read_idx(images_path, 3);
  auto labels = read_idx(labels_path, 1);
  if (images.count() != labels.count())
    throw DataError(images_path + ": " + std::to_string(images.count()) + " images but " + labels_path + " has " +
                    std::to_string(labels.count()) + " labels");
  const auto n = images.count();
  const auto h = images.dims[1], w = images.dims[2];
  const auto& names = dataset_info(dataset).class_names;
  for (int64_t i = 0; i < n; ++i)
    if (labels.data[i] >= names.size())
      throw DataError(labels_path + ": label " + std::to_string(labels.data[i]) + " at index " + std::to_string(i) +
                      " is out of range 0.." + std::to_string(names.size() - 1));

  Dataset ds;
  ds.images = at::empty({n, 1, h, w}, at::kByte);
  std::memcpy(ds.images.data_ptr(), images.data.data(), images.data.size());
  ds.labels = at::empty({n}, at::kByte);
  std::memcpy(ds.labels.data_ptr(), labels.data.data(), labels.data.size());
  ds.labels = ds.labels.to(at::kLong);
  ds.class_names = names;
  ds.channels = 1;
  return ds;
}

}  // namespace

Dataset load_mnist(const std::string& dataset, const std::string& root, bool train) {
  return load_split(dataset, root, train, nullptr);
}

std::pair<Dataset, Dataset> load_mnist_train_test(const std::string& dataset, const std::string& root) {
  std::string train_file, test_file;
  auto train = load_split(dataset, root, true, &train_file);
  auto test = load_split(dataset, root, false, &test_file);
  const auto size_text = [](const Dataset& d) {
    return std::to_string(d.images.size(2)) + "x" + std::to_string(d.images.size(3));
  };
  if (train.images.size(2) != test.images.size(2) || train.images.size(3) != test.images.size(3))
    throw DataError(test_file + ": images are " + size_text(test) + " but " + train_file + "'s are " +
                    size_text(train) + " (the train and t10k files must be of one dataset)");
  return {std::move(train), std::move(test)};
}

}  // namespace imgcls
