// The datasets imgcls reads, as plain facts with no LibTorch: one row per data.dataset with
// its format, image shape, class counts, default folder and files. The config schema takes
// data.dataset's choices from here, the config checks the channels and label kinds, the
// splits the shapes and roots, and the readers (mnist.cpp, cifar.cpp) the files and names.
// Adding a dataset in an existing format: one row here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace imgcls {

enum class DatasetFormat {
  kIdx,          // MNIST family: <prefix>-images-idx3-ubyte / -labels-idx1-ubyte, raw or .gz (mnist.cpp)
  kCifar,        // CIFAR binary version: records of label byte(s) + CHW pixels (cifar.cpp)
  kImageFolder,  // one folder per class (image_folder.cpp)
};

struct DatasetInfo {
  std::string name;  // data.dataset
  DatasetFormat format = DatasetFormat::kImageFolder;
  int64_t channels = 0;        // 0: data.channels (image folders)
  int64_t height = 0;          // 0: the transforms or the first image decide (image folders)
  int64_t width = 0;
  int64_t classes = 0;         // fine labels; 0: the class folders
  int64_t coarse_classes = 0;  // data.label: coarse; 0: the dataset has no coarse labels
  std::string default_root;    // the folder when data.root is empty ("" for image folders)
  // kCifar: the archive's folder, which data.root may hold instead of the files themselves.
  std::string subdir;
  std::vector<std::string> train_files, test_files;  // kCifar: the record files of each split
  std::string fine_names_file, coarse_names_file;    // kCifar: class names, one a line
  std::vector<std::string> class_names;              // kIdx: the names (the files carry none)
};

// Every dataset, in the order data.dataset's "one of ..." lists them.
const std::vector<DatasetInfo>& dataset_table();

// The row of `name`; throws ConfigError "data.dataset: unknown dataset '<name>' (known: ...)".
const DatasetInfo& dataset_info(const std::string& name);

// The names in table order.
std::vector<std::string> dataset_names();

}  // namespace imgcls
