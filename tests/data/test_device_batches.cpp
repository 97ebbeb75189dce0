// Batches made on the device (data.device_resident): for every supported transform list,
// exactly the Loader's batches (order, labels, indices, pixels) for the same seed and epoch,
// also when resuming at a batch; unsupported lists and file datasets are refused with a
// reason; the trainer's choice follows data.device_resident. Runs on the CPU here (the same
// tensor code as on CUDA).
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "data/device_batches.hpp"
#include "data/loader.hpp"
#include "data/transforms.hpp"
#include "imgcls/errors.hpp"
#include "test_util.hpp"

namespace imgcls {
namespace {

// n images of c x h x w with distinct, position-dependent pixels, so any wrong crop offset,
// flip or padding changes values.
Dataset patterned(int64_t n, int64_t c, int64_t h, int64_t w) {
  Dataset ds;
  at::manual_seed(static_cast<uint64_t>(n * c * h * w));  // the same pixels on every run
  ds.images = at::randint(0, 256, {n, c, h, w}, at::TensorOptions().dtype(at::kByte));
  ds.labels = at::arange(n, at::kLong).remainder(7);
  ds.class_names = {"0", "1", "2", "3", "4", "5", "6"};
  ds.channels = c;
  return ds;
}

TransformSpec spec(const std::string& name) {
  TransformSpec s;
  s.name = name;
  return s;
}

TransformSpec random_crop(int64_t h, int64_t w, std::vector<int64_t> padding, const std::string& mode, double fill = 0) {
  auto s = spec("random_crop");
  s.size = {h, w};
  s.padding = std::move(padding);
  s.padding_mode = mode;
  s.fill = fill;
  return s;
}

TransformSpec center_crop(int64_t h, int64_t w) {
  auto s = spec("center_crop");
  s.size = {h, w};
  return s;
}

TransformSpec flip(const std::string& name, double p) {
  auto s = spec(name);
  s.p = p;
  return s;
}

TransformSpec normalize3() {
  auto s = spec("normalize");
  s.mean = {0.4, 0.5, 0.6};
  s.std = {0.2, 0.25, 0.3};
  return s;
}

void expect_same_batches(const Dataset& ds, const std::vector<TransformSpec>& specs, int64_t epoch, int64_t first) {
  const Pipeline pipeline(specs, ds.channels);
  LoaderOptions o;
  o.batch_size = 5;
  o.shuffle = true;
  o.seed = 11;
  o.workers = 0;
  Loader loader(ds, pipeline, o);
  DeviceBatches device(ds, specs, pipeline, o, at::kCPU);
  ASSERT_EQ(device.num_batches(), loader.num_batches());
  loader.start_epoch(epoch, first);
  device.start_epoch(epoch, first);
  int64_t count = 0;
  for (Batch a, b; loader.next(a);) {
    ASSERT_TRUE(device.next(b));
    EXPECT_EQ(a.indices, b.indices);
    EXPECT_TRUE(at::equal(a.labels, b.labels));
    ASSERT_EQ(a.images.sizes(), b.images.sizes());
    EXPECT_TRUE(at::allclose(a.images, b.images, 0, 1e-5)) << "max |diff| " << (a.images - b.images).abs().max().item<float>();
    ++count;
  }
  Batch extra;
  EXPECT_FALSE(device.next(extra));
  EXPECT_EQ(count, loader.num_batches() - first);
}

TEST(DeviceBatches, SameBatchesAsTheLoaderForEverySupportedTransform) {
  const auto rgb = patterned(23, 3, 12, 10);
  const std::vector<std::vector<TransformSpec>> lists = {
      {normalize3()},
      {random_crop(12, 10, {3}, "reflect"), flip("hflip", 0.5), normalize3()},
      {random_crop(12, 10, {2, 3}, "constant", 7), flip("vflip", 0.5), normalize3()},
      {random_crop(9, 8, {1, 2, 3, 4}, "edge"), normalize3()},
      {flip("hflip", 0.5), random_crop(10, 10, {4}, "symmetric"), flip("vflip", 0.3)},
      {center_crop(8, 6), flip("hflip", 0.5), normalize3()},
      {center_crop(15, 13), normalize3()},  // larger than the image: zero padding
      {random_crop(14, 12, {}, "constant"), normalize3()},  // padded by pad_if_needed below
      {random_crop(12, 10, {30}, "reflect")},  // padding wider than the image: reflected again
      {random_crop(20, 19, {2}, "reflect"), normalize3()},  // padding, then pad_if_needed (below) of the padded image
  };
  for (std::size_t i = 0; i < lists.size(); ++i) {
    SCOPED_TRACE("transform list " + std::to_string(i));
    auto specs = lists[i];
    if (i == 7 || i == 9) specs[0].pad_if_needed = true;
    expect_same_batches(rgb, specs, /*epoch=*/3, /*first=*/0);
  }
  const auto gray = patterned(17, 1, 28, 28);
  auto n = spec("normalize");
  n.mean = {0.2860};
  n.std = {0.3530};
  expect_same_batches(gray, {random_crop(28, 28, {2}, "constant"), flip("hflip", 0.5), n}, 1, 0);
}

TEST(DeviceBatches, ResumesAtABatchLikeTheLoader) {
  const auto ds = patterned(40, 3, 8, 8);
  expect_same_batches(ds, {random_crop(8, 8, {2}, "reflect"), flip("hflip", 0.5), normalize3()}, 5, 3);
}

TEST(DeviceBatches, UnsupportedTransformsAndFileDatasetsAreRefusedWithAReason) {
  const auto ds = patterned(4, 3, 8, 8);
  EXPECT_EQ(device_batches_unsupported(ds, {random_crop(8, 8, {2}, "reflect"), normalize3()}), "");
  auto rotation = spec("rotation");
  rotation.degrees = {-10, 10};
  EXPECT_NE(device_batches_unsupported(ds, {rotation}).find("rotation"), std::string::npos);
  EXPECT_NE(device_batches_unsupported(ds, {random_crop(8, 8, {2}, "constant", 1), center_crop(7, 7)}).find("fill"),
            std::string::npos);
  Dataset files;
  files.paths = {"a.png"};
  files.labels = at::zeros({1}, at::kLong);
  EXPECT_NE(device_batches_unsupported(files, {}).find("image files"), std::string::npos);

  const Pipeline pipeline({rotation}, 3);
  EXPECT_THROW(DeviceBatches(ds, {rotation}, pipeline, LoaderOptions{}, at::kCPU), DataError);
  EXPECT_THROW(use_device_batches("true", at::kCPU, ds, {rotation}, "c.yaml:3"), ConfigError);
  try {
    use_device_batches("true", at::kCPU, ds, {rotation}, "c.yaml:3");
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("c.yaml:3: data.device_resident: true, but transform 'rotation'"),
              std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(use_device_batches("auto", at::kCPU, ds, {}, ""));   // auto: CUDA only
  EXPECT_TRUE(use_device_batches("true", at::kCPU, ds, {}, ""));
  EXPECT_FALSE(use_device_batches("false", at::kCPU, ds, {}, ""));
  EXPECT_FALSE(use_device_batches("auto", at::Device("cuda:0"), ds, {rotation}, ""));
  EXPECT_TRUE(use_device_batches("auto", at::Device("cuda:0"), ds, {}, ""));
}

TEST(DeviceBatches, WrongOutputSizeIsADataError) {
  const auto ds = patterned(4, 3, 8, 8);
  const std::vector<TransformSpec> specs = {center_crop(6, 6)};
  const Pipeline pipeline(specs, 3);
  LoaderOptions o;
  o.height = 8, o.width = 8;
  EXPECT_THROW(DeviceBatches(ds, specs, pipeline, o, at::kCPU), DataError);
}

TEST(DeviceBatches, BalancedSamplerGivesTheLoadersBatches) {
  auto ds = patterned(40, 3, 8, 8);
  ds.labels = at::cat({at::zeros({30}, at::kLong), at::ones({7}, at::kLong), at::full({3}, 2, at::kLong)});
  ds.class_names = {"a", "b", "c"};
  const std::vector<TransformSpec> specs = {random_crop(8, 8, {2}, "reflect"), flip("hflip", 0.5), normalize3()};
  const Pipeline pipeline(specs, ds.channels);
  LoaderOptions o;
  o.batch_size = 6;
  o.shuffle = true;
  o.seed = 4;
  o.balanced_sampler = true;
  Loader loader(ds, pipeline, o);
  DeviceBatches device(ds, specs, pipeline, o, at::kCPU);
  for (const int64_t first : {0, 3}) {
    loader.start_epoch(2, first);
    device.start_epoch(2, first);
    int64_t count = 0;
    for (Batch a, b; loader.next(a); ++count) {
      ASSERT_TRUE(device.next(b));
      EXPECT_EQ(a.indices, b.indices);
      EXPECT_TRUE(at::equal(a.labels, b.labels));
      EXPECT_TRUE(at::allclose(a.images, b.images, 0, 1e-5));
    }
    EXPECT_EQ(count, loader.num_batches() - first);
  }
}

}  // namespace
}  // namespace imgcls

namespace imgcls {
namespace {

TransformSpec random_erasing(double p, std::vector<double> value) {
  auto s = spec("random_erasing");
  s.p = p;
  s.scale = {0.02, 0.33};
  s.ratio = {0.3, 3.3};
  s.erase_value = std::move(value);
  return s;
}

TEST(DeviceBatches, RandomErasingAfterNormalizeGivesTheLoadersBatches) {
  // The rectangle is drawn from each sample's generator after the crops and flips, on the
  // device as on the CPU; one value or one per channel.
  const auto rgb = patterned(23, 3, 12, 10);
  expect_same_batches(
      rgb, {random_crop(12, 10, {2}, "reflect"), flip("hflip", 0.5), normalize3(), random_erasing(0.7, {0})}, 2, 0);
  expect_same_batches(rgb, {normalize3(), random_erasing(1.0, {-1, 0, 1}), random_erasing(0.5, {3})}, 0, 1);
  // Erasing happened: with p = 1 some pixels of every sample hold the value.
  const Pipeline pipeline({normalize3(), random_erasing(1.0, {9})}, 3);
  LoaderOptions o;
  o.batch_size = 23;
  DeviceBatches device(rgb, {normalize3(), random_erasing(1.0, {9})}, pipeline, o, at::kCPU);
  device.start_epoch(0);
  Batch b;
  ASSERT_TRUE(device.next(b));
  EXPECT_GT(b.images.eq(9).flatten(1).any(1).sum().item<int64_t>(), 18);  // 10 tries can fail on 12x10
}

TEST(DeviceBatches, RandomErasingWithRandomValuesIsRefusedWithAReason) {
  const auto ds = patterned(4, 3, 8, 8);
  EXPECT_EQ(device_batches_unsupported(ds, {normalize3(), random_erasing(0.5, {1, 2, 3})}), "");
  EXPECT_NE(device_batches_unsupported(ds, {normalize3(), random_erasing(0.5, {})})
                .find("transform 'random_erasing' with random values has no batched device version"),
            std::string::npos);
}

}  // namespace
}  // namespace imgcls
