// MNIST and Fashion-MNIST from their official IDX files (raw or .gz).
#pragma once

#include <string>

#include "data/dataset.hpp"

namespace imgcls {

// Loads the train (`train = true`) or t10k split of `dataset` ("mnist" | "fashion_mnist")
// from `root`, accepting `<prefix>-images-idx3-ubyte[.gz]` and `<prefix>-labels-idx1-ubyte[.gz]`.
// Throws DataError naming the files it expected, or what is wrong with them.
Dataset load_mnist(const std::string& dataset, const std::string& root, bool train);



}  // namespace imgcls
