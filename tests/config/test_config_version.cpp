// config_version: what resize's interpolation names mean. A run directory's config.yaml written
// before version 2 (it has no config_version key) must resume, evaluate and hash as it
// trained: its bilinear / bicubic / nearest were OpenCV's (cv_linear, cv_cubic, cv_nearest
// now). A config file a user writes without the key has today's (torchvision's) meanings.
#include <gtest/gtest.h>

#include "config/transform_specs.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"
#include "test_util.hpp"

namespace imgcls {
namespace {

// config.yaml as imgcls wrote it before config_version (to_yaml at main b641bc2), and the
// frozen_config_hash that version gave it, which its checkpoints carry.
const char* kOldConfigYaml = R"(name: run
seed: 42
device: auto
threads: 0
data:
  dataset: image_folder
  root: /data/photos
  train_root: ""
  val_root: ""
  test_root: ""
  channels: 3
  image_size: 64
  on_bad_image: skip
  val_split: 0.1
  val: split
  classes: []
  batch_size: 64
  limit: 0
  train_transforms: [{random_resized_crop: {size: [64, 64], scale: [0.08, 1], ratio: [0.75, 1.3333333333333333], interpolation: bilinear}}, {hflip: {p: 0.5}}, {normalize: {mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5]}}]
  val_transforms: [{resize: {size: [72], interpolation: bicubic}}, {center_crop: {size: [64, 64]}}, {normalize: {mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5]}}]
  workers: auto
  prefetch: 4
  drop_last: false
model:
  name: baseline_cnn
  init: default
optimizer:
  name: adam
  lr: 0.001
  weight_decay: 0
  betas: [0.9, 0.999]
  eps: 1e-08
  backbone_lr_scale: 1
scheduler:
  name: none
  warmup_epochs: 0
  warmup_steps: 0
  warmup_start_factor: 0.1
train:
  epochs: 10
  log_every: 0
  early_stopping:
    monitor: val_acc
    mode: auto
    patience: 0
    min_delta: 0
  label_smoothing: 0
  grad_clip_norm: 0
  grad_accum_steps: 1
  amp: none
  channels_last: false
  val_every: 1
  deterministic: false
  on_nan: stop
output:
  keep_last: 0
logging:
  tensorboard: false
)";
const char* kOldHash = "b8e584208eaf3b8a";

TEST(ConfigVersion, AnOldRunsConfigYamlKeepsItsOpenCvFiltersAndItsHash) {
  test::TempDir dir;
  test::write_text(dir / "config.yaml", kOldConfigYaml);
  const auto c = load_run_config(dir / "config.yaml");
  EXPECT_EQ(c.config_version, 1);
  EXPECT_EQ(c.data.train_transforms[0].interpolation, "cv_linear");  // random_resized_crop
  EXPECT_EQ(c.data.val_transforms[0].interpolation, "cv_cubic");     // resize
  EXPECT_EQ(frozen_config_hash(c), kOldHash);
  // Written again (train --resume rewrites config.yaml), it says so and reads back the same,
  // with any loader.
  const auto yaml = to_yaml(c);
  EXPECT_NE(yaml.find("config_version: 1\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("interpolation: bicubic"), std::string::npos) << yaml;
  const auto again = parse_config(yaml, "config.yaml");
  EXPECT_EQ(again.data.val_transforms[0].interpolation, "cv_cubic");
  EXPECT_EQ(frozen_config_hash(again), kOldHash);
  EXPECT_EQ(to_yaml(again), yaml);
}

TEST(ConfigVersion, AConfigFileWithoutTheKeyHasTodaysNames) {
  const auto c = parse_config(kOldConfigYaml, "mine.yaml");
  EXPECT_EQ(c.config_version, 4);
  EXPECT_EQ(c.data.train_transforms[0].interpolation, "bilinear");  // Pillow's, as torchvision
  EXPECT_EQ(c.data.val_transforms[0].interpolation, "bicubic");
  EXPECT_NE(frozen_config_hash(c), kOldHash);
  const auto yaml = to_yaml(c);
  EXPECT_EQ(yaml.rfind("config_version: 4\n", 0), 0u) << yaml;  // the first line of config.yaml
  test::TempDir dir;
  test::write_text(dir / "config.yaml", yaml);
  EXPECT_EQ(load_run_config(dir / "config.yaml").data.train_transforms[0].interpolation, "bilinear");
}

// Version 1's defaults were OpenCV's too; names version 1 did not have mean the same in both.
TEST(ConfigVersion, VersionOneDefaultsAndNewNames) {
  const auto c = parse_config("config_version: 1\ndata: {dataset: image_folder, root: /x}\nmodel: {name: basic_cnn}\n",
                              "v1.yaml");
  EXPECT_EQ(c.data.val_transforms[0].name, "resize");
  EXPECT_EQ(c.data.val_transforms[0].interpolation, "cv_linear");
  const auto box = parse_config(
      "config_version: 1\ndata: {dataset: image_folder, root: /x, val_transforms: [{resize: {size: 8, "
      "interpolation: box}}, {resize: {size: 8, interpolation: cv_nearest}}]}\nmodel: {name: basic_cnn}\n", "v1.yaml");
  EXPECT_EQ(box.data.val_transforms[0].interpolation, "box");
  EXPECT_EQ(box.data.val_transforms[1].interpolation, "cv_nearest");
  EXPECT_EQ(to_yaml(parse_config(to_yaml(box), "again.yaml")), to_yaml(box));
  // rotation's interpolation never changed meaning.
  const auto rot = parse_config("config_version: 1\ndata: {dataset: mnist, train_transforms: [{rotation: {degrees: 5, "
                                "interpolation: bilinear}}]}\nmodel: {name: mlp}\n", "v1.yaml");
  EXPECT_EQ(rot.data.train_transforms[0].interpolation, "bilinear");
}

TEST(ConfigVersion, ResumeMayNotChangeIt) {
  test::TempDir dir;
  test::write_text(dir / "config.yaml", kOldConfigYaml);
  const auto original = load_run_config(dir / "config.yaml");
  const auto upgraded = load_run_config(dir / "config.yaml", {"config_version=2"});
  EXPECT_EQ(upgraded.data.train_transforms[0].interpolation, "bilinear");
  const auto message = test::message_of<ConfigError>([&] { check_resume_changes(original, upgraded); });
  EXPECT_NE(message.find("config_version (1 -> 2)"), std::string::npos) << message;
}

TEST(ConfigVersion, OnlyOneToFour) {
  const auto message = test::message_of<ConfigError>(
      [] { parse_config("config_version: 5\ndata: {dataset: mnist}\nmodel: {name: mlp}\n", "v.yaml"); });
  EXPECT_EQ(message,
            "v.yaml:1: config_version: expected 1 (resize's bilinear, bicubic, nearest are OpenCV's), 2 "
            "(torchvision's), 3 (2 with model.sync_batchnorm) or 4 (3 with optimizer.fused), got '5'");
}

// Version 3 added model.sync_batchnorm: a version 2 run's hash leaves it out, so the run
// resumes with the checkpoint it wrote; from version 3 on it is part of the hash.
TEST(ConfigVersion, ThreeAddsSyncBatchNormToTheHash) {
  const std::string text = "data: {dataset: mnist}\nmodel: {name: vgg_cnn}\n";
  const auto v2 = parse_config("config_version: 2\n" + text, "v2.yaml");
  const auto v2_synced = parse_config("config_version: 2\n" + text, "v2.yaml", {"model.sync_batchnorm=true"});
  EXPECT_EQ(frozen_config_hash(v2), frozen_config_hash(v2_synced));
  const auto v3 = parse_config(text, "v3.yaml");
  const auto v3_synced = parse_config(text, "v3.yaml", {"model.sync_batchnorm=true"});
  EXPECT_NE(frozen_config_hash(v3), frozen_config_hash(v3_synced));
}

// Version 4 added optimizer.fused: a version 3 run (written before the key) steps Adam as it did,
// one tensor at a time, and hashes as it did, so it resumes exactly; a new config fuses.
TEST(ConfigVersion, FourAddsFusedAndOlderRunsKeepTheirArithmetic) {
  const std::string text = "data: {dataset: mnist}\nmodel: {name: mlp}\n";
  const auto v3 = parse_config("config_version: 3\n" + text, "v3.yaml");
  EXPECT_EQ(v3.optimizer.fused, "false");
  EXPECT_EQ(parse_config("config_version: 3\n" + text, "v3.yaml", {"optimizer.fused=true"}).optimizer.fused, "true");
  const auto v4 = parse_config(text, "v4.yaml");
  EXPECT_EQ(v4.optimizer.fused, "auto");
  EXPECT_EQ(to_yaml(parse_config(to_yaml(v4), "again.yaml")), to_yaml(v4));
  EXPECT_NE(frozen_config_hash(v4), frozen_config_hash(parse_config(text, "v4.yaml", {"optimizer.fused=false"})));
  // A version 3 config hashes without the key, as version 3 wrote the hash into its checkpoints.
  Config v3_as_v4 = v3;
  v3_as_v4.config_version = 4;
  v3_as_v4.optimizer.fused = "auto";
  EXPECT_NE(frozen_config_hash(v3), frozen_config_hash(v3_as_v4));
  EXPECT_EQ(frozen_config_hash(v3),
            frozen_config_hash(parse_config("config_version: 3\n" + text, "v3.yaml", {"optimizer.fused=true"})));
}

}  // namespace
}  // namespace imgcls
