#include "data/dataset_table.hpp"

#include "imgcls/errors.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace {

DatasetInfo row(std::string name, DatasetFormat format, int64_t channels = 0, int64_t size = 0, int64_t classes = 0) {
  DatasetInfo d;
  d.name = std::move(name);
  d.format = format;
  d.channels = channels;
  d.height = d.width = size;
  d.classes = classes;
  return d;
}

}  // namespace

const std::vector<DatasetInfo>& dataset_table() {
  static const std::vector<DatasetInfo> datasets = [] {
    auto fashion = row("fashion_mnist", DatasetFormat::kIdx, 1, 28, 10);
    // Debian's dataset-fashion-mnist package installs it here.
    fashion.default_root = "/usr/share/datasets/fashion-mnist";
    fashion.class_names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                           "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
    auto mnist = row("mnist", DatasetFormat::kIdx, 1, 28, 10);
    mnist.default_root = "data/mnist";
    mnist.class_names = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
    auto cifar10 = row("cifar10", DatasetFormat::kCifar, 3, 32, 10);
    cifar10.default_root = "data/cifar10";
    cifar10.subdir = "cifar-10-batches-bin";
    cifar10.train_files = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                           "data_batch_5.bin"};
    cifar10.test_files = {"test_batch.bin"};
    cifar10.fine_names_file = "batches.meta.txt";
    auto cifar100 = row("cifar100", DatasetFormat::kCifar, 3, 32, 100);
    cifar100.coarse_classes = 20;
    cifar100.default_root = "data/cifar100";
    cifar100.subdir = "cifar-100-binary";
    cifar100.train_files = {"train.bin"};
    cifar100.test_files = {"test.bin"};
    cifar100.fine_names_file = "fine_label_names.txt";
    cifar100.coarse_names_file = "coarse_label_names.txt";
    const auto folder = row("image_folder", DatasetFormat::kImageFolder);
    return std::vector<DatasetInfo>{fashion, mnist, cifar10, cifar100, folder};
  }();
  return datasets;
}

const DatasetInfo& dataset_info(const std::string& name) {
  for (const auto& d : dataset_table())
    if (d.name == name) return d;
  throw ConfigError("data.dataset: unknown dataset '" + name + "' (known: " + join(dataset_names(), ", ") + ")");
}

std::vector<std::string> dataset_names() {
  std::vector<std::string> names;
  for (const auto& d : dataset_table()) names.push_back(d.name);
  return names;
}

}  // namespace imgcls
