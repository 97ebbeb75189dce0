#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "data/loader.hpp"
#include "data/mnist.hpp"
#include "data/splits.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/data/idx.hpp"
#include "imgcls/errors.hpp"
#include "test_util.hpp"

namespace imgcls {
namespace {

// Writes a tiny dataset in the official Fashion-MNIST layout: image i is filled with value
// i, label i % 10.
void write_fake_mnist(const std::string& root, int n_train, int n_test, bool gz = true) {
  for (auto [prefix, n] : {std::pair{"train", n_train}, std::pair{"t10k", n_test}}) {
    IdxArray im{{n, 28, 28}, {}}, lb{{n}, {}};
    for (int i = 0; i < n; ++i) {
      im.data.insert(im.data.end(), 28 * 28, static_cast<uint8_t>(i));
      lb.data.push_back(static_cast<uint8_t>(i % 10));
    }
    const std::string ext = gz ? ".gz" : "";
    write_idx(root + "/" + prefix + "-images-idx3-ubyte" + ext, im);
    write_idx(root + "/" + prefix + "-labels-idx1-ubyte" + ext, lb);
  }
}

TEST(Mnist, LoadsOfficialLayoutRawAndGzip) {
  for (bool gz : {true, false}) {
    test::TempDir dir;
    write_fake_mnist(dir.path(), 30, 12, gz);
    const auto train = load_mnist("fashion_mnist", dir.path(), true);
    const auto test = load_mnist("fashion_mnist", dir.path(), false);
    ASSERT_EQ(train.size(), 30);
    ASSERT_EQ(test.size(), 12);
    EXPECT_EQ(train.images.sizes(), (std::vector<int64_t>{30, 1, 28, 28}));
    EXPECT_EQ(train.images[17][0][5][5].item<int>(), 17);
    EXPECT_EQ(train.labels[17].item<int64_t>(), 7);
    EXPECT_EQ(train.class_names.at(9), "Ankle boot");
  }
}

TEST(Mnist, ImagesAndLabelsCountMismatch) {
  test::TempDir dir;
  write_fake_mnist(dir.path(), 30, 12);
  write_idx(dir / "train-labels-idx1-ubyte.gz", IdxArray{{29}, std::vector<uint8_t>(29, 1)});
  try {
    load_mnist("fashion_mnist", dir.path(), true);
    FAIL() << "expected a DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("30 images but"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("has 29 labels"), std::string::npos) << e.what();
  }
}

TEST(Mnist, LabelOutOfRange) {
  test::TempDir dir;
  write_fake_mnist(dir.path(), 3, 3);
  write_idx(dir / "train-labels-idx1-ubyte.gz", IdxArray{{3}, {1, 12, 0}});
  EXPECT_THROW(load_mnist("fashion_mnist", dir.path(), true), DataError);
}

TEST(Mnist, MissingFilesAreNamed) {
  test::TempDir dir;
  try {
    load_mnist("mnist", dir.path(), true);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("train-images-idx3-ubyte[.gz]"), std::string::npos) << e.what();
  }
  try {
    load_mnist("mnist", dir / "nope", true);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
  }
}

TEST(Mnist, TrainAndTestImageSizesAreComparedAtLoad) {
  test::TempDir dir;
  write_fake_mnist(dir.path(), 20, 5, false);
  write_idx(dir / "t10k-images-idx3-ubyte", IdxArray{{5, 32, 32}, std::vector<uint8_t>(5 * 32 * 32, 3)});
  const auto expected = dir / "t10k-images-idx3-ubyte" + ": images are 32x32 but " + dir / "train-images-idx3-ubyte" +
                        "'s are 28x28 (the train and t10k files must be of one dataset)";
  EXPECT_EQ(test::message_of<DataError>([&] { load_mnist_train_test("mnist", dir.path()); }), expected);
  const auto config = parse_config(
      "data: {dataset: mnist, root: '" + dir.path() + "', val_split: 0}\nmodel: {name: basic_cnn}\n", "c.yaml");
  EXPECT_EQ(test::message_of<DataError>([&] { make_splits(config); }), expected);
  // The same files with one size load.
  write_fake_mnist(dir.path(), 20, 5, false);
  const auto [train_split, test_split] = load_mnist_train_test("mnist", dir.path());
  EXPECT_EQ(train_split.size(), 20);
  EXPECT_EQ(test_split.size(), 5);
}

TEST(Mnist, SplitsAreSeededAndDisjoint) {
  test::TempDir dir;
  write_fake_mnist(dir.path(), 100, 10);
  const auto config = parse_config("data: {dataset: mnist, root: '" + dir.path() +
                                       "', val_split: 0.25, limit: 80}\nmodel: {name: basic_cnn}\n",
                                   "c.yaml");
  const auto a = make_splits(config);
  const auto b = make_splits(config);
  EXPECT_EQ(a.train.size(), 60);
  EXPECT_EQ(a.val.size(), 20);
  EXPECT_EQ(a.test.size(), 10);
  EXPECT_TRUE(a.val.labels.equal(b.val.labels));
  // Every image value (= its index) below the limit appears exactly once across train + val.
  auto ids = at::cat({a.train.images.select(3, 0).select(2, 0).flatten(), a.val.images.select(3, 0).select(2, 0).flatten()});
  EXPECT_TRUE(std::get<0>(ids.sort()).to(at::kLong).equal(at::arange(80, at::kLong)));

  const auto too_many = parse_config("data: {dataset: mnist, root: '" + dir.path() +
                                         "', val_split: 100}\nmodel: {name: basic_cnn}\n",
                                     "c.yaml");
  EXPECT_THROW(make_splits(too_many), ConfigError);
}

// A shipped config made small (data.limit=3000 beside val_split: 10000): the error says which
// override fixes it.
TEST(Mnist, ValSplitBeyondTheLimitSaysHowToFixIt) {
  test::TempDir dir;
  write_fake_mnist(dir.path(), 100, 10);
  const auto config =
      parse_config("data:\n  dataset: mnist\n  root: '" + dir.path() + "'\n  val_split: 50\nmodel: {name: basic_cnn}\n",
                   "c.yaml", {"data.limit=30"});
  EXPECT_EQ(test::message_of<ConfigError>([&] { make_splits(config); }),
            "c.yaml:4: data.val_split: asks for 50 validation images but only 30 training images are available "
            "(data.limit=30); hold out a fraction instead, e.g. data.val_split=0.2 (6 images), or a count below 30");
  // The suggested override works.
  const auto fixed =
      parse_config("data:\n  dataset: mnist\n  root: '" + dir.path() + "'\n  val_split: 50\nmodel: {name: basic_cnn}\n",
                   "c.yaml", {"data.limit=30", "data.val_split=0.2"});
  EXPECT_EQ(make_splits(fixed).val.size(), 6);
}

}  // namespace
}  // namespace imgcls
