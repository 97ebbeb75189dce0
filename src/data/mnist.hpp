// MNIST and Fashion-MNIST from their official IDX files (raw or .gz).
#pragma once

#include <string>
#include <utility>

#include "data/dataset.hpp"

namespace imgcls {

// Loads the train (`train = true`) or t10k split of `dataset` ("mnist" | "fashion_mnist")
// from `root`, accepting `<prefix>-images-idx3-ubyte[.gz]` and `<prefix>-labels-idx1-ubyte[.gz]`.
// Throws DataError naming the files it expected, or what is wrong with them.
Dataset load_mnist(const std::string& dataset, const std::string& root, bool train);

// Loads the train and t10k splits (train first) and checks that their images have one size,
// so a mismatch is a DataError naming both files at load time, not a shape error at the final
// test evaluation.
std::pair<Dataset, Dataset> load_mnist_train_test(const std::string& dataset, const std::string& root);

}  // namespace imgcls
