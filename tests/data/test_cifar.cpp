#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <filesystem>

#include "data/cifar.hpp"
#include "data/splits.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"
#include "test_util.hpp"

namespace imgcls {
namespace {

// Record i of a file: label(s) from `label_of(i)`, every pixel of channel c = (i + c) % 256.
std::string records(int n, int label_bytes, const std::function<std::vector<uint8_t>(int)>& label_of) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    for (auto l : label_of(i)) out.push_back(static_cast<char>(l));
    for (int c = 0; c < 3; ++c) out.append(1024, static_cast<char>((i + c) % 256));
  }
  EXPECT_EQ(out.size(), static_cast<std::size_t>(n) * (label_bytes + 3072));
  return out;
}

void write_cifar10(const std::string& dir, int per_batch) {
  std::filesystem::create_directories(dir);
  for (int b = 1; b <= 5; ++b)
    test::write_text(dir + "/data_batch_" + std::to_string(b) + ".bin",
                     records(per_batch, 1, [](int i) { return std::vector<uint8_t>{static_cast<uint8_t>(i % 10)}; }));
  test::write_text(dir + "/test_batch.bin",
                   records(per_batch, 1, [](int i) { return std::vector<uint8_t>{static_cast<uint8_t>(9 - i % 10)}; }));
  test::write_text(dir + "/batches.meta.txt",
                   "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n");
}

void write_cifar100(const std::string& dir, int n) {
  std::filesystem::create_directories(dir);
  // coarse label i % 20, fine label i % 100
  const auto labels = [](int i) { return std::vector<uint8_t>{static_cast<uint8_t>(i % 20), static_cast<uint8_t>(i % 100)}; };
  test::write_text(dir + "/train.bin", records(n, 2, labels));
  test::write_text(dir + "/test.bin", records(n / 2, 2, labels));
}

TEST(Cifar, LoadsCifar10FromTheArchiveFolderOrItsParent) {
  test::TempDir dir;
  write_cifar10(dir / "cifar-10-batches-bin", 20);
  for (const auto& root : {dir.path(), dir / "cifar-10-batches-bin"}) {
    const auto train = load_cifar("cifar10", root, true, "fine");
    ASSERT_EQ(train.size(), 100);  // 5 batches of 20
    EXPECT_EQ(train.images.sizes(), (std::vector<int64_t>{100, 3, 32, 32}));
    // Planar RGB: record 3, channel 2 is all 5.
    EXPECT_EQ(train.images[3][2][31][0].item<int>(), 5);
    EXPECT_EQ(train.labels[13].item<int64_t>(), 3);
    EXPECT_EQ(train.class_names.at(9), "truck");
    EXPECT_EQ(load_cifar("cifar10", root, false, "fine").labels[0].item<int64_t>(), 9);
  }
}

TEST(Cifar, Cifar100FineAndCoarseLabels) {
  test::TempDir dir;
  write_cifar100(dir.path(), 200);
  EXPECT_EQ(load_cifar("cifar100", dir.path(), true, "fine").labels[133].item<int64_t>(), 33);
  EXPECT_EQ(load_cifar("cifar100", dir.path(), true, "coarse").labels[133].item<int64_t>(), 13);
  EXPECT_EQ(load_cifar("cifar100", dir.path(), false, "fine").size(), 100);
  EXPECT_EQ(load_cifar("cifar100", dir.path(), true, "fine").class_names.at(56), "56");  // no names file
}

TEST(Cifar, ClassSubsetIsRelabelledInTheGivenOrder) {
  // Seed 001: CIFAR-100 classes 0, 33, 56 become 0, 1, 2.
  test::TempDir dir;
  write_cifar100(dir.path(), 400);
  const auto config = parse_config("data: {dataset: cifar100, root: '" + dir.path() +
                                       "', classes: [56, 0, 33], val_split: 0}\nmodel: {name: cifar_cnn}\n",
                                   "c.yaml");
  const auto splits = make_splits(config);
  EXPECT_EQ(splits.num_classes, 3);
  EXPECT_EQ(splits.train.size(), 12);  // 4 of each class in 400 records
  EXPECT_EQ(splits.test.size(), 6);
  EXPECT_EQ(splits.train.class_names, (std::vector<std::string>{"56", "0", "33"}));
  // Records 0 (class 0), 33 (class 33), 56 (class 56) come first, in file order.
  EXPECT_EQ(splits.train.labels.slice(0, 0, 3).equal(at::tensor({1, 2, 0}, at::kLong)), true);
  EXPECT_EQ(splits.train.images[2][0][0][0].item<int>(), 56);  // the pixels moved with their labels
  const auto shape = data_shape(config);
  EXPECT_EQ(shape.num_classes, 3);
  EXPECT_EQ(shape.channels, 3);
}

TEST(Cifar, ValidateOnTheTestSplit) {
  test::TempDir dir;
  write_cifar10(dir.path(), 10);
  const auto splits = make_splits(
      parse_config("data: {dataset: cifar10, root: '" + dir.path() + "', val: test}\nmodel: {name: cifar10_cnn}\n", "c.yaml"));
  EXPECT_EQ(splits.train.size(), 50);
  EXPECT_EQ(splits.val.size(), 10);
  EXPECT_EQ(splits.test.size(), 10);
}

std::string data_error(const std::function<void()>& f) { return test::message_of<DataError>(f); }

TEST(Cifar, BadFilesAreNamed) {
  test::TempDir dir;
  EXPECT_NE(data_error([&] { load_cifar("cifar10", dir.path(), true, "fine"); }).find("data_batch_1.bin: missing (cifar10 expects data_batch_1.bin, data_batch_2.bin"),
            std::string::npos);
  write_cifar10(dir.path(), 3);
  test::write_text(dir / "data_batch_4.bin", test::read_text(dir / "data_batch_4.bin").substr(0, 5000));
  EXPECT_EQ(data_error([&] { load_cifar("cifar10", dir.path(), true, "fine"); }),
            dir / "data_batch_4.bin" + ": 5000 bytes is not a whole number of 3073-byte cifar10 records (truncated or "
                                       "not the binary version?)");
  write_cifar10(dir.path(), 3);
  test::write_text(dir / "test_batch.bin", records(2, 1, [](int) { return std::vector<uint8_t>{10}; }));
  EXPECT_EQ(data_error([&] { load_cifar("cifar10", dir.path(), false, "fine"); }),
            dir / "test_batch.bin" + ": record 0 has fine label 10, expected 0..9");
}

TEST(Cifar, UnknownClassInSubset) {
  test::TempDir dir;
  write_cifar10(dir.path(), 10);
  const auto config = parse_config(
      "data: {dataset: cifar10, root: '" + dir.path() + "', classes: [3, 12]}\nmodel: {name: cifar10_cnn}\n", "c.yaml");
  EXPECT_EQ(data_error([&] { make_splits(config); }),
            "c.yaml:1: data.classes: class 12 does not exist (this dataset has 10 classes, 0..9)");
  EXPECT_THROW(parse_config("data: {dataset: cifar10, classes: [3, 3]}\nmodel: {name: cifar10_cnn}\n", "c.yaml"),
               ConfigError);
  EXPECT_THROW(parse_config("data: {dataset: cifar10, label: coarse}\nmodel: {name: cifar10_cnn}\n", "c.yaml"),
               ConfigError);
}

}  // namespace
}  // namespace imgcls
