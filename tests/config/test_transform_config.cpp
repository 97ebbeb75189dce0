// The transform lists of a config: parsing, defaults, round trip, and errors with file:line.
#include <gtest/gtest.h>

#include "config/transform_specs.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"
#include "test_util.hpp"

namespace imgcls {
namespace {

std::string error_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
  return test::message_of<ConfigError>([&] { parse_config(text, "t.yaml", overrides); });
}

const char* kFlowers = R"(data:
  dataset: image_folder
  root: /data/flowers
  train_transforms:
    - resize: [256, 256]
    - random_crop: 224
    - hflip: 0.5
    - color_jitter: {brightness: 0.2, contrast: 0.2}
    - normalize: {mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]}
  val_transforms:
    - resize: [224, 224]
    - normalize: {mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]}
model: {name: basic_cnn}
)";

TEST(TransformConfig, ParsesTheSeedsFlowerPipeline) {
  const auto c = parse_config(kFlowers, "t.yaml");
  const auto& t = c.data.train_transforms;
  ASSERT_EQ(t.size(), 5u);
  EXPECT_EQ(t[0].name, "resize");
  EXPECT_EQ(t[0].size, (std::vector<int64_t>{256, 256}));
  EXPECT_EQ(t[1].size, (std::vector<int64_t>{224, 224}));  // a bare crop size is square
  EXPECT_DOUBLE_EQ(t[2].p, 0.5);
  EXPECT_EQ(t[3].brightness, (std::vector<double>{0.8, 1.2}));
  EXPECT_TRUE(t[3].saturation.empty());
  EXPECT_EQ(t[4].std.size(), 3u);
  EXPECT_EQ(t[1].where, "t.yaml:6");
  EXPECT_EQ(c.data.val_transforms.size(), 2u);
}

TEST(TransformConfig, RoundTripsThroughTheResolvedYaml) {
  const auto c = parse_config(kFlowers, "t.yaml");
  const auto yaml = to_yaml(c);
  const auto again = parse_config(yaml, "config.yaml");
  EXPECT_EQ(to_yaml(again), yaml);
  EXPECT_EQ(again.data.train_transforms[3].contrast, (std::vector<double>{0.8, 1.2}));
}

TEST(TransformConfig, DefaultsPerDataset) {
  const auto fm = parse_config("data: {dataset: fashion_mnist}\nmodel: {name: basic_cnn}\n", "t.yaml");
  ASSERT_EQ(fm.data.train_transforms.size(), 1u);
  EXPECT_EQ(fm.data.train_transforms[0].name, "normalize");
  EXPECT_EQ(fm.data.train_transforms[0].mean, (std::vector<double>{0.5}));
  const auto folder = parse_config("data: {dataset: image_folder, root: x, image_size: 64}\nmodel: {name: basic_cnn}\n", "t.yaml");
  ASSERT_EQ(folder.data.val_transforms.size(), 2u);
  EXPECT_EQ(folder.data.val_transforms[0].size, (std::vector<int64_t>{64, 64}));
  EXPECT_EQ(folder.data.val_transforms[1].mean.size(), 3u);
}

TEST(TransformConfig, ImageSizeScalesAFoldersOwnLists) {
  // Issue 22 item 4: data.image_size=64 used to be ignored beside explicit lists (trained at 224).
  const auto c = parse_config(kFlowers, "t.yaml", {"data.image_size=64"});
  const auto& t = c.data.train_transforms;
  EXPECT_EQ(t[0].size, (std::vector<int64_t>{73, 73}));  // 256 * 64 / 224, rounded
  EXPECT_EQ(t[1].size, (std::vector<int64_t>{64, 64}));
  EXPECT_EQ(c.data.val_transforms[0].size, (std::vector<int64_t>{64, 64}));
  // The resolved config reads back to the same lists (the image size is not applied twice).
  EXPECT_EQ(to_yaml(parse_config(to_yaml(c), "config.yaml")), to_yaml(c));

  // Not given: it records the lists' size, so config.yaml is consistent with what ran.
  std::string small = kFlowers;
  small.replace(small.find("resize: [224, 224]"), 18, "resize: [32, 32]");
  small.replace(small.find("random_crop: 224"), 16, "random_crop: 32");
  const auto s = parse_config(small, "t.yaml");
  EXPECT_EQ(s.data.image_size, 32);
  EXPECT_EQ(to_yaml(parse_config(to_yaml(s), "config.yaml")), to_yaml(s));
}

TEST(TransformConfig, ImageSizeWithNothingToScaleOrOnAnInMemoryDatasetIsAnError) {
  EXPECT_EQ(error_of("data: {dataset: image_folder, root: x, image_size: 64, train_transforms: [hflip, "
                     "{normalize: {mean: 0.5, std: 0.5}}]}\nmodel: {name: basic_cnn}\n"),
            "t.yaml:1: data.image_size: has nothing to set: data.train_transforms (t.yaml:1) has no resize or crop; "
            "add one, or leave data.image_size out");
  EXPECT_EQ(error_of("data: {dataset: fashion_mnist}\nmodel: {name: basic_cnn}\n", {"data.image_size=64"}),
            "override 'data.image_size=64': data.image_size: is for data.dataset: image_folder only (data.dataset is "
            "'fashion_mnist')");
}

// Found by fuzzing the round trip (tests/fuzz/fuzz_config): an image folder whose list has no
// resize or crop printed data.image_size, which the reload then refused ("has nothing to set"),
// so such a run's config.yaml could not be resumed.
TEST(TransformConfig, AListWithoutResizeOrCropReadsBackFromTheResolvedConfig) {
  for (const std::string lists : {"train_transforms: [hflip], val_transforms: [{resize: [32, 32]}]",
                                  "train_transforms: [hflip, {normalize: {mean: 0.5, std: 0.5}}]",
                                  "train_transforms: [], val_transforms: [hflip]"}) {
    const auto c = parse_config("data: {dataset: image_folder, root: x, " + lists + "}\nmodel: {name: basic_cnn}\n", "t.yaml");
    const auto printed = to_yaml(c);
    EXPECT_EQ(to_yaml(parse_config(printed, "config.yaml")), printed) << lists;
  }
  // Lists that end at different sizes (the round trip would scale one of them) are refused.
  EXPECT_EQ(error_of("data: {dataset: image_folder, root: x, train_transforms: [{random_crop: 224}], "
                     "val_transforms: [{resize: [112, 224]}]}\nmodel: {name: basic_cnn}\n"),
            "t.yaml:1: data.train_transforms: ends at size 224 (its last resize or crop) but data.val_transforms "
            "(t.yaml:1) at 112; the model takes one input size: make both lists end at the same size");
  // A value that would scale something is still refused beside a list it cannot scale.
  EXPECT_NE(error_of("data: {dataset: image_folder, root: x, image_size: 64, train_transforms: [hflip], "
                     "val_transforms: [{resize: [32, 32]}]}\nmodel: {name: basic_cnn}\n")
                .find("data.image_size: has nothing to set: data.train_transforms"),
            std::string::npos);
}

TEST(TransformConfig, BareNamesAndOverrides) {
  const auto c = parse_config("data: {dataset: mnist, train_transforms: [hflip, {rotation: 10}]}\nmodel: {name: basic_cnn}\n",
                              "t.yaml", {"data.val_transforms=[{center_crop: [20, 24]}]"});
  EXPECT_DOUBLE_EQ(c.data.train_transforms[0].p, 0.5);
  EXPECT_EQ(c.data.train_transforms[1].degrees, (std::vector<double>{-10, 10}));
  EXPECT_EQ(c.data.train_transforms[1].interpolation, "nearest");
  EXPECT_EQ(c.data.val_transforms[0].size, (std::vector<int64_t>{20, 24}));
}

TEST(TransformConfig, ErrorsNameTheLineAndItem) {
  std::string text = kFlowers;
  text.replace(text.find("random_crop: 224"), 16, "random_crap: 224");
  EXPECT_EQ(error_of(text),
            "t.yaml:6: data.train_transforms[1]: expected a transform name (resize, center_crop, random_crop, "
            "random_resized_crop, hflip, vflip, rotation, color_jitter, grayscale, rand_augment, "
            "trivial_augment_wide, auto_augment, normalize, random_erasing); did you mean "
            "'random_crop'?, got 'random_crap'");
  text = kFlowers;
  text.replace(text.find("brightness: 0.2"), 15, "brightness: -1");
  EXPECT_EQ(error_of(text), "t.yaml:8: data.train_transforms[3].color_jitter.brightness: expected a non-negative "
                            "number or [min, max] with 0 <= min <= max, got '-1'");
  text = kFlowers;
  text.replace(text.find("hflip: 0.5"), 10, "hflip: {prob: 0.5}");
  EXPECT_EQ(error_of(text), "t.yaml:7: data.train_transforms[2].hflip.prob: expected a parameter of hflip (p), got 'prob'");
  EXPECT_EQ(error_of("data: {dataset: mnist, train_transforms: [{resize: {interpolation: nearest}}]}\nmodel: {name: mlp}\n"),
            "t.yaml:1: data.train_transforms[0].resize.size: expected a value: resize needs size, got 'nothing'");
}

TEST(TransformConfig, NormalizeMustBeLastAndMatchTheChannels) {
  EXPECT_EQ(
      error_of("data:\n  dataset: mnist\n  train_transforms:\n    - normalize: {mean: 0.5, std: 0.5}\n    - hflip\n"
               "model: {name: mlp}\n"),
      "t.yaml:4: data.train_transforms[0].normalize: normalize must be the last transform apart from "
      "random_erasing (it turns the image into normalised floats), but hflip follows it");
  EXPECT_EQ(error_of("data:\n  dataset: mnist\n  val_transforms:\n    - normalize: {mean: [0.4, 0.5, 0.6], std: 0.2}\n"
                     "model: {name: mlp}\n"),
            "t.yaml:4: data.val_transforms[0].normalize: has 3 values but the images have 1 channel(s) here");
  // grayscale changes the channel count, and train and val must agree.
  EXPECT_EQ(error_of("data:\n  dataset: cifar10\n  train_transforms: [grayscale]\nmodel: {name: mlp}\n"),
            "default: data.val_transforms: gives 3-channel images but data.train_transforms gives 1; the model "
            "needs one input shape");
}

TEST(TransformConfig, AugmentationPoliciesAndRandomErasingBadInput) {
  const auto list = [](const std::string& items) {
    return error_of("data:\n  dataset: cifar10\n  train_transforms:\n" + items + "model: {name: mlp}\n");
  };
  EXPECT_EQ(list("    - auto_augment: {policy: cifar100}\n"),
            "t.yaml:4: data.train_transforms[0].auto_augment.policy: expected one of imagenet, cifar10, svhn, got "
            "'cifar100'");
  EXPECT_EQ(list("    - auto_augment: imagenett\n"),  // the bare value is the policy
            "t.yaml:4: data.train_transforms[0].auto_augment: expected one of imagenet, cifar10, svhn, got "
            "'imagenett'");
  EXPECT_EQ(list("    - rand_augment: {magnitude: 31}\n"),
            "t.yaml:4: data.train_transforms[0].rand_augment.magnitude: expected an integer bin in [0, 30] "
            "(num_magnitude_bins is 31), got '31'");
  EXPECT_EQ(list("    - rand_augment: {magnitude: 12, num_magnitude_bins: 10}\n"),
            "t.yaml:4: data.train_transforms[0].rand_augment.magnitude: expected an integer bin in [0, 9] "
            "(num_magnitude_bins is 10), got '12'");
  EXPECT_EQ(list("    - rand_augment: {magnitude: -1}\n"),
            "t.yaml:4: data.train_transforms[0].rand_augment.magnitude: expected an integer bin in [0, 30] "
            "(num_magnitude_bins is 31), got '-1'");
  EXPECT_EQ(list("    - trivial_augment_wide: {num_magnitude_bins: 1}\n"),
            "t.yaml:4: data.train_transforms[0].trivial_augment_wide.num_magnitude_bins: expected an integer >= 2 "
            "(the number of magnitude steps), got '1'");
  EXPECT_EQ(list("    - rand_augment: {interpolation: area}\n"),
            "t.yaml:4: data.train_transforms[0].rand_augment.interpolation: expected one of nearest, bilinear, "
            "bicubic, got 'area'");
  EXPECT_EQ(list("    - random_erasing\n    - normalize: {mean: 0.5, std: 0.5}\n"),
            "t.yaml:4: data.train_transforms[0].random_erasing: random_erasing must come after normalize (it works "
            "on the normalised tensor, as torchvision's RandomErasing after Normalize)");
  EXPECT_EQ(list("    - random_erasing: 0.5\n"),
            "t.yaml:4: data.train_transforms[0].random_erasing: random_erasing must come after normalize (it works "
            "on the normalised tensor, as torchvision's RandomErasing after Normalize)");
  EXPECT_EQ(list("    - normalize: {mean: 0.5, std: 0.5}\n    - random_erasing: {value: [1, 2]}\n"),
            "t.yaml:5: data.train_transforms[1].random_erasing.value: has 2 values but the images have 3 channel(s) "
            "here (one value, one per channel, or random)");
  EXPECT_EQ(list("    - normalize: {mean: 0.5, std: 0.5}\n    - random_erasing: {value: black}\n"),
            "t.yaml:5: data.train_transforms[1].random_erasing.value: expected a number, a list of numbers (one per "
            "channel) or random, got 'black'");
  EXPECT_EQ(list("    - normalize: {mean: 0.5, std: 0.5}\n    - random_erasing: {scale: [0.5, 0.1]}\n"),
            "t.yaml:5: data.train_transforms[1].random_erasing.scale: expected [min, max] with 0 <= min <= max <= 1 "
            "(area fractions), got '[0.5, 0.1]'");
  // The defaults are torchvision's.
  const auto c = parse_config(
      "data:\n  dataset: cifar10\n  train_transforms: [rand_augment, trivial_augment_wide, "
      "auto_augment, normalize: {mean: 0.5, std: 0.5}, random_erasing]\nmodel: {name: mlp}\n",
      "t.yaml");
  EXPECT_EQ(transform_list_yaml(c.data.train_transforms),
            "[{rand_augment: {num_ops: 2, magnitude: 9, num_magnitude_bins: 31, interpolation: nearest, fill: 0}}, "
            "{trivial_augment_wide: {num_magnitude_bins: 31, interpolation: nearest, fill: 0}}, "
            "{auto_augment: {policy: imagenet, interpolation: nearest, fill: 0}}, "
            "{normalize: {mean: [0.5], std: [0.5]}}, "
            "{random_erasing: {p: 0.5, scale: [0.02, 0.33], ratio: [0.3, 3.3], value: 0}}]");
}

TEST(TransformConfig, ImageFolderKeys) {
  EXPECT_EQ(error_of("data: {dataset: image_folder}\nmodel: {name: mlp}\n"),
            "t.yaml:1: data.root: image_folder needs data.root (a folder of class folders) or data.train_root");
  EXPECT_EQ(error_of("data: {dataset: mnist, channels: 1}\nmodel: {name: mlp}\n"),
            "t.yaml:1: data.channels: is for data.dataset: image_folder only (data.dataset is 'mnist')");
  EXPECT_EQ(error_of("data: {dataset: image_folder, root: x, workers: -2}\nmodel: {name: mlp}\n"),
            "t.yaml:1: data.workers: expected auto (one per core) or a non-negative integer (0 = in the training "
            "thread), got '-2'");
}

}  // namespace
}  // namespace imgcls
