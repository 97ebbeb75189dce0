// The transform table (src/transforms/): each descriptor is complete and consistent, every
// parameter of every transform survives print -> parse (the resolved config.yaml and the
// checkpoint's config hash depend on this text), torchvision's class names get a "did you
// mean", and the table is what the config, the CPU pipeline and the device batches use.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <opencv2/core.hpp>

#include "config/transform_specs.hpp"
#include "data/rng.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"
#include "test_util.hpp"
#include "transforms/transform.hpp"

namespace imgcls {
namespace {

// Every transform with every parameter set away from its default.
const char* kEveryParameter = R"(data:
  dataset: image_folder
  root: /data/x
  train_transforms:
    - resize: {size: [40, 44], interpolation: bicubic}
    - center_crop: [38, 42]
    - random_crop: {size: 36, padding: [1, 2, 3, 4], pad_if_needed: true, padding_mode: symmetric, fill: 9}
    - random_resized_crop: {size: [32, 30], scale: [0.25, 0.75], ratio: [0.5, 2], interpolation: nearest}
    - hflip: 0.25
    - vflip: {p: 0.75}
    - rotation: {degrees: [-5, 15], interpolation: bilinear, fill: 128}
    - color_jitter: {brightness: 0.1, contrast: [0.5, 1.5], saturation: 0.3, hue: 0.05}
    - grayscale: 3
    - rand_augment: {num_ops: 3, magnitude: 5, num_magnitude_bins: 11, interpolation: bilinear, fill: 7}
    - trivial_augment_wide: {num_magnitude_bins: 16, interpolation: bicubic, fill: 255}
    - auto_augment: svhn
    - normalize: {mean: [0.1, 0.2, 0.3], std: 0.5}
    - random_erasing: {p: 0.25, scale: [0.1, 0.2], ratio: [0.5, 2], value: [0.1, 0.2, 0.3]}
model: {name: basic_cnn}
)";

TEST(TransformDescriptors, TheTableIsCompleteAndConsistent) {
  std::set<std::string> names;
  int on_tensor = 0;
  for (const auto* d : transform_descriptors()) {
    SCOPED_TRACE(d->name);
    EXPECT_TRUE(names.insert(d->name).second) << "two descriptors named " << d->name;
    EXPECT_EQ(find_transform(d->name), d);
    EXPECT_FALSE(d->summary.empty());
    EXPECT_FALSE(d->torchvision_name.empty());
    std::set<std::string> params;
    for (const auto& p : d->params) {
      EXPECT_TRUE(params.insert(p.name).second) << "parameter " << p.name << " twice";
      EXPECT_NE(p.parse, nullptr) << p.name;
      EXPECT_NE(p.print, nullptr) << p.name;
    }
    if (!d->bare.empty()) {
      EXPECT_TRUE(params.count(d->bare)) << "the bare parameter " << d->bare << " is not a parameter";
    }
    // An image transform has a CPU implementation; a device version implies one.
    if (d->on_tensor) {
      ++on_tensor;
    } else {
      EXPECT_NE(d->make_cpu, nullptr);
    }
    if (d->constant_fill) {
      EXPECT_NE(d->make_coordinate_map, nullptr);
    }
  }
  EXPECT_EQ(on_tensor, 2);  // normalize, random_erasing
  EXPECT_EQ(transform_names().size(), transform_descriptors().size());
  EXPECT_EQ(find_transform("RandomCrop"), nullptr);
}

TEST(TransformDescriptors, EveryParameterOfEveryTransformRoundTrips) {
  const auto c = parse_config(kEveryParameter, "t.yaml");
  const auto& list = c.data.train_transforms;
  ASSERT_EQ(list.size(), transform_descriptors().size());  // the config above covers the table
  // The printed text, parameter by parameter, in each descriptor's order: a change here
  // changes the config hash of every run, so resumes of older checkpoints would be refused.
  const auto text = transform_list_yaml(list);
  EXPECT_EQ(text,
            "[{resize: {size: [40, 44], interpolation: bicubic}}, {center_crop: {size: [38, 42]}}, "
            "{random_crop: {size: [36, 36], padding: [1, 2, 3, 4], pad_if_needed: true, padding_mode: symmetric, "
            "fill: 9}}, {random_resized_crop: {size: [32, 30], scale: [0.25, 0.75], ratio: [0.5, 2], "
            "interpolation: nearest}}, {hflip: {p: 0.25}}, {vflip: {p: 0.75}}, {rotation: {degrees: [-5, 15], "
            "interpolation: bilinear, fill: 128}}, {color_jitter: {brightness: [0.9, 1.1], contrast: [0.5, 1.5], "
            "saturation: [0.7, 1.3], hue: [-0.05, 0.05]}}, {grayscale: {num_output_channels: 3}}, "
            "{rand_augment: {num_ops: 3, magnitude: 5, num_magnitude_bins: 11, interpolation: bilinear, fill: 7}}, "
            "{trivial_augment_wide: {num_magnitude_bins: 16, interpolation: bicubic, fill: 255}}, "
            "{auto_augment: {policy: svhn, interpolation: nearest, fill: 0}}, "
            "{normalize: {mean: [0.1, 0.2, 0.3], std: [0.5]}}, "
            "{random_erasing: {p: 0.25, scale: [0.1, 0.2], ratio: [0.5, 2], value: [0.1, 0.2, 0.3]}}]");
  const auto again = parse_config(
      "data: {dataset: image_folder, root: /data/x, train_transforms: " + text + "}\nmodel: {name: basic_cnn}\n",
      "config.yaml");
  EXPECT_EQ(transform_list_yaml(again.data.train_transforms), text);
}

// Found by fuzzing the transform lists (tests/fuzz/fuzz_transforms): ratio and scale far from 1
// made random_resized_crop convert a window size beyond int (undefined behaviour; UBSan stops
// scripts/sanitize.sh on it). The window is now checked as a double first.
TEST(TransformDescriptors, RandomResizedCropWithExtremeRatiosStaysInTheImage) {
  const auto c = parse_config("data: {dataset: image_folder, root: /data/x, train_transforms: [{random_resized_crop: "
                              "{size: 8, scale: [0.5, 1e300], ratio: [1e-300, 1e300]}}]}\nmodel: {name: basic_cnn}\n",
                              "t.yaml");
  const auto& spec = c.data.train_transforms.at(0);
  const auto op = transform_of(spec).make_cpu(spec);
  const cv::Mat img(10, 12, CV_8UC3, cv::Scalar(1, 2, 3));
  for (uint64_t seed = 0; seed < 50; ++seed) {
    Rng rng(seed);
    const auto out = op->apply(img, rng);
    EXPECT_EQ(out.rows, 8);
    EXPECT_EQ(out.cols, 8);
  }
}

TEST(TransformDescriptors, RequiredParametersAndDefaultsComeFromTheDescriptor) {
  const auto error_of = [](const std::string& item) {
    return test::message_of<ConfigError>([&] {
      parse_config("data: {dataset: mnist, train_transforms: [" + item + "]}\nmodel: {name: basic_cnn}\n", "t.yaml");
    });
  };
  EXPECT_NE(error_of("resize").find("data.train_transforms[0].resize.size: expected a value: resize needs size"),
            std::string::npos);
  EXPECT_NE(error_of("{normalize: {mean: 0.5}}").find("normalize.std: expected a value: normalize needs std"),
            std::string::npos);
  EXPECT_NE(error_of("{color_jitter: 0.5}").find("expected a map of parameters (brightness, contrast, saturation, hue)"),
            std::string::npos);
  const auto c = parse_config("data: {dataset: mnist, train_transforms: [{rotation: 10}]}\nmodel: {name: basic_cnn}\n",
                              "t.yaml");
  EXPECT_EQ(c.data.train_transforms[0].interpolation, "nearest");  // rotation's own default (torchvision's)
}

TEST(TransformDescriptors, TorchvisionClassNamesGetOurName) {
  const auto error_of = [](const std::string& item) {
    return test::message_of<ConfigError>([&] {
      parse_config("data: {dataset: mnist, train_transforms: [" + item + "]}\nmodel: {name: basic_cnn}\n", "t.yaml");
    });
  };
  EXPECT_NE(error_of("RandomHorizontalFlip").find("did you mean 'hflip' (torchvision's RandomHorizontalFlip)?, got "
                                                 "'RandomHorizontalFlip'"),
            std::string::npos)
      << error_of("RandomHorizontalFlip");
  EXPECT_NE(error_of("{RandomRotation: 10}").find("did you mean 'rotation' (torchvision's RandomRotation)?"),
            std::string::npos);
  EXPECT_NE(error_of("{colorjitter: {brightness: 0.1}}").find("did you mean 'color_jitter'"), std::string::npos);
  EXPECT_EQ(error_of("sharpen").find("did you mean"), std::string::npos);  // nothing near
}

TEST(TransformDescriptors, TheDocumentedTableIsTheDescriptors) {
  // README's (or docs/'s) transform table: one row per transform, naming each of its
  // parameters and torchvision's class, so the documentation cannot drift from the code.
  std::string docs = test::read_text(std::string(IMGCLS_SOURCE_DIR) + "/README.md");
  const std::filesystem::path dir = std::string(IMGCLS_SOURCE_DIR) + "/docs";
  if (std::filesystem::exists(dir))
    for (const auto& entry : std::filesystem::directory_iterator(dir))
      if (entry.path().extension() == ".md") docs += test::read_text(entry.path().string());
  std::map<std::string, std::string> rows;  // first cell -> the row
  std::istringstream in(docs);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("| `", 0) == 0) rows[line.substr(2, line.find(" |", 2) - 2)] = line;
  for (const auto* d : transform_descriptors()) {
    SCOPED_TRACE(d->name);
    auto row = rows.find("`" + d->name + "`");
    if (row == rows.end()) {  // hflip and vflip share a row
      for (auto it = rows.begin(); it != rows.end(); ++it)
        if (it->first.find("`" + d->name + "`") != std::string::npos) row = it;
    }
    ASSERT_NE(row, rows.end()) << "no row for " << d->name << " in the documented transform table";
    EXPECT_NE(row->second.find("`" + d->torchvision_name + "`"), std::string::npos) << row->second;
    for (const auto& p : d->params)
      EXPECT_NE(row->second.find("`" + p.name + "`"), std::string::npos) << p.name << " missing from: " << row->second;
  }
}

}  // namespace
}  // namespace imgcls
