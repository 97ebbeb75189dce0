// From a config to the data a run uses: the dataset's train and test splits, the class
// subset (data.classes), and the validation split (data.val, data.val_split).
#pragma once

#include <cstdint>

#include "data/dataset.hpp"

namespace imgcls {

struct Config;
struct DataConfig;

// The input shape (after the validation transforms) and class count a config's dataset
// gives, without loading it (an image folder is listed, not decoded, unless its transforms
// leave the size open).
struct DataShape {
  int64_t channels = 0, height = 0, width = 0, num_classes = 0;
};
DataShape data_shape(const Config& config);

// Keeps only the samples of `classes`, relabelled 0..k-1 in the order given (seed 001's
// CIFAR-100 subset). An index the dataset does not have is a DataError naming it.
Dataset select_classes(const Dataset& ds, const std::vector<int64_t>& classes, const std::string& where);

// data.classes as indices into `known` (the training split's class names): the indices as
// given, or the names looked up (data.classes: [daisy, rose]). A name `known` lacks is a
// DataError listing the classes, with the closest one.
std::vector<int64_t> class_indices(const DataConfig& d, const std::vector<std::string>& known,
                                   const std::string& where);

// data.limit keeps the first N training images (after the class subset); data.val: split
// holds out a seeded random data.val_split of them (like torch's random_split), data.val:
// test validates on the test split; an image folder may instead give data.val_root (and
// data.test_root), labelled by the training folder's classes. Throws DataError or ConfigError.
DataSplits make_splits(const Config& config);

}  // namespace imgcls
