// CIFAR-10 and CIFAR-100 from the official binary version.
//   CIFAR-10 (cifar-10-batches-bin/): data_batch_1..5.bin, test_batch.bin; records of
//     1 label byte + 3072 pixel bytes (1024 R, 1024 G, 1024 B, row-major 32x32);
//     class names in batches.meta.txt.
//   CIFAR-100 (cifar-100-binary/): train.bin, test.bin; records of 1 coarse + 1 fine label
//     byte + 3072 pixel bytes; names in fine_label_names.txt / coarse_label_names.txt.
// `root` may be that folder or the folder the archive was extracted into.
#pragma once

#include <string>

#include "data/dataset.hpp"

namespace imgcls {

// dataset: "cifar10" | "cifar100"; label: "fine" | "coarse" (cifar100). Class names come from
// the names file when present, else "0", "1", ... Throws DataError naming the exact files
// expected, or a file whose size is not a multiple of the record size.
Dataset load_cifar(const std::string& dataset, const std::string& root, bool train, const std::string& label);

}  // namespace imgcls
