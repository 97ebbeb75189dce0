#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "config/checks.hpp"
#include "data/dataset_table.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"
#include "models/model_table.hpp"
#include "sweep/sweep_spec.hpp"
#include "test_util.hpp"

namespace imgcls {
namespace {

const char* kYaml = R"(name: fm
seed: 7
data:
  dataset: fashion_mnist
  batch_size: 32
  val_split: 10000
model:
  name: basic_cnn
optimizer:
  name: adam
  lr: 0.002
train:
  epochs: 3
)";

// The message of the ConfigError that parse_config throws, or "" if it does not throw.
std::string config_error(const std::string& text, const std::string& origin = "x.yaml",
                         const std::vector<std::string>& overrides = {}) {
  return test::message_of<ConfigError>([&] { parse_config(text, origin, overrides); });
}

TEST(Config, LoadsYamlAndFillsDefaults) {
  const auto c = parse_config(kYaml, "x.yaml");
  EXPECT_EQ(c.name, "fm");
  EXPECT_EQ(c.seed, 7);
  EXPECT_EQ(c.data.dataset, "fashion_mnist");
  EXPECT_EQ(c.data.batch_size, 32);
  EXPECT_DOUBLE_EQ(c.data.val_split, 10000);
  EXPECT_EQ(c.model.name, "basic_cnn");
  EXPECT_DOUBLE_EQ(c.optimizer.lr, 0.002);
  EXPECT_EQ(c.train.epochs, 3);
  EXPECT_EQ(c.device, "auto");                // default
  EXPECT_DOUBLE_EQ(c.optimizer.weight_decay, 0);  // default
  EXPECT_EQ(c.where("optimizer.lr"), "x.yaml:11");
  EXPECT_EQ(c.where("threads"), "default");
}

TEST(Config, JsonGivesTheSameConfig) {
  const char* json = R"({"name": "fm", "seed": 7,
  "data": {"dataset": "fashion_mnist", "batch_size": 32, "val_split": 10000},
  "model": {"name": "basic_cnn"},
  "optimizer": {"name": "adam", "lr": 0.002},
  "train": {"epochs": 3}})";
  EXPECT_EQ(to_yaml(parse_config(json, "x.json")), to_yaml(parse_config(kYaml, "x.yaml")));
}

TEST(Config, LoadsFromFilesOfBothKinds) {
  test::TempDir dir;
  test::write_text(dir / "a.yaml", kYaml);
  EXPECT_EQ(load_config(dir / "a.yaml").optimizer.lr, 0.002);
  EXPECT_THROW(load_config(dir / "missing.yaml"), ConfigError);
}

TEST(Config, OverridesApplyAfterLoading) {
  const auto c = parse_config(kYaml, "x.yaml", {"optimizer.lr=0.01", "train.epochs=2", "optimizer.name=sgd",
                                                "optimizer.momentum=0.9", "device=cpu"});
  EXPECT_DOUBLE_EQ(c.optimizer.lr, 0.01);
  EXPECT_EQ(c.train.epochs, 2);
  EXPECT_EQ(c.optimizer.name, "sgd");
  EXPECT_DOUBLE_EQ(c.optimizer.momentum, 0.9);
  EXPECT_EQ(c.where("optimizer.lr"), "override 'optimizer.lr=0.01'");
}

TEST(Config, ResolvedYamlRoundTrips) {
  const auto c = parse_config(kYaml, "x.yaml", {"optimizer.lr=0.000123", "data.root=/some/where"});
  const auto yaml = to_yaml(c);
  const auto again = parse_config(yaml, "config.yaml");
  EXPECT_EQ(to_yaml(again), yaml);
  EXPECT_DOUBLE_EQ(again.optimizer.lr, 0.000123);
  EXPECT_EQ(again.data.root, "/some/where");
  EXPECT_NE(yaml.find("lr: 0.000123"), std::string::npos) << yaml;
}

// The resolved config.yaml lists only the keys that apply (issue 22): no image-folder keys for
// Fashion-MNIST, no other model's, optimizer's or schedule's keys; and still loads back equal.
TEST(Config, ResolvedYamlListsOnlyTheKeysThatApply) {
  const auto yaml = to_yaml(parse_config(kYaml, "x.yaml"));
  for (const auto* absent : {"channels:", "image_size:", "on_bad_image:", "train_root:", "label:", "hidden:",
                             "widths:", "pooling:", "path:", "momentum:", "nesterov:", "alpha:", "step_size:",
                             "milestones:", "max_lr:", "threshold_mode:", "mixup:", "use_for_best:"})
    EXPECT_EQ(yaml.find(absent), std::string::npos) << absent << "\n" << yaml;
  for (const auto* present : {"dataset: fashion_mnist", "name: basic_cnn", "init: default", "betas:", "eps:",
                              "weight_decay:", "device_resident:", "warmup_epochs:", "early_stopping:"})
    EXPECT_NE(yaml.find(present), std::string::npos) << present << "\n" << yaml;
  EXPECT_EQ(to_yaml(parse_config(yaml, "config.yaml")), yaml);
  EXPECT_EQ(frozen_config_hash(parse_config(yaml, "config.yaml")), frozen_config_hash(parse_config(kYaml, "x.yaml")));

  // Each choice brings its own keys.
  const auto other = to_yaml(parse_config(kYaml, "x.yaml", {"model.name=mlp", "optimizer.name=sgd",
                                                            "optimizer.momentum=0.9", "scheduler.name=step",
                                                            "data.dataset=cifar100"}));
  for (const auto* present : {"hidden: [256]", "activation: relu", "momentum: 0.9", "nesterov: false",
                              "step_size: 10", "gamma: 0.1", "label: fine"})
    EXPECT_NE(other.find(present), std::string::npos) << present << "\n" << other;
  for (const auto* absent : {"betas:", "widths:", "milestones:", "image_size:"})
    EXPECT_EQ(other.find(absent), std::string::npos) << absent << "\n" << other;
  EXPECT_EQ(to_yaml(parse_config(other, "config.yaml")), other);
}

// data.classes takes indices or names, not both (issue 22).
TEST(Config, ClassesByIndexOrByName) {
  EXPECT_EQ(parse_config(kYaml, "x.yaml", {"data.classes=[3, 1]"}).data.classes, (std::vector<int64_t>{3, 1}));
  const auto named = parse_config(kYaml, "x.yaml", {"data.classes=[Sandal, 'T-shirt/top']"});
  EXPECT_EQ(named.data.class_names, (std::vector<std::string>{"Sandal", "T-shirt/top"}));
  EXPECT_TRUE(named.data.classes.empty());
  EXPECT_EQ(parse_config(to_yaml(named), "config.yaml").data.class_names, named.data.class_names);
  EXPECT_NE(config_error(kYaml, "x.yaml", {"data.classes=[1, rose]"}).find("not a mix"), std::string::npos);
  EXPECT_EQ(config_error(kYaml, "x.yaml", {"data.classes=[rose, rose]"}),
            "override 'data.classes=[rose, rose]': data.classes: class 'rose' is listed twice");
}

// Relative paths in a config file are relative to its folder; in an override, to the current
// directory; either way config.yaml holds them absolute (issue 22).
TEST(Config, RelativePathsResolveAgainstTheConfigFilesFolder) {
  namespace fs = std::filesystem;
  test::TempDir dir;
  fs::create_directories(dir / "configs");
  test::write_text(dir / "configs/c.yaml", "data: {dataset: image_folder, root: ../photos}\n"
                                             "model: {name: torchscript, path: nets/r18.pt}\n");
  const auto c = load_config(dir / "configs/c.yaml");
  EXPECT_EQ(c.data.root, dir / "photos");
  EXPECT_EQ(c.model.path, dir / "configs/nets/r18.pt");
  const auto o = load_config(dir / "configs/c.yaml", {"data.root=here/photos", "model.path=/abs/r.pt"});
  EXPECT_EQ(o.data.root, (fs::current_path() / "here/photos").string());
  EXPECT_EQ(o.model.path, "/abs/r.pt");
  // The resolved file works from its new place (a run directory) too.
  fs::create_directories(dir / "runs/r");
  test::write_text(dir / "runs/r/config.yaml", to_yaml(c));
  EXPECT_EQ(load_config(dir / "runs/r/config.yaml").data.root, dir / "photos");
  // Text with no file keeps paths as given.
  EXPECT_EQ(parse_config("data: {dataset: image_folder, root: photos}\nmodel: {name: mlp}\n", "t").data.root,
            "photos");
}

// A run's name follows its command-line overrides, as a sweep's trials do (issue 22).
TEST(Config, RunNameSuffixFromOverrides) {
  EXPECT_EQ(overrides_name_suffix({"model.name=mlp", "optimizer.lr=0.01", "device=cpu", "threads=2"}),
            "_name-mlp_lr-0.01");
  EXPECT_EQ(overrides_name_suffix({"model.hidden=[512, 256]", "train.epochs=3"}), "_hidden-512x256_epochs-3");
  EXPECT_EQ(overrides_name_suffix({"data.workers=2", "logging.tensorboard=true"}), "");
  EXPECT_EQ(overrides_name_suffix({"model.name=mlp", "name=mine"}), "");  // a name given wins
  EXPECT_EQ(overrides_name_suffix({}), "");
  std::vector<std::string> many;
  for (int i = 0; i < 30; ++i) many.push_back("model.hidden=[" + std::to_string(1000 + i) + "]");
  const auto a = overrides_name_suffix(many);
  many.back() = "model.hidden=[7]";
  EXPECT_LE(a.size(), 80u);
  EXPECT_NE(a, overrides_name_suffix(many));  // cut short, still distinct
}

TEST(Config, WrongTypeNamesFileLineKeyAndValue) {
  std::string text = kYaml;
  text.replace(text.find("lr: 0.002"), 9, "lr: fast");
  EXPECT_EQ(config_error(text), "x.yaml:11: optimizer.lr: expected a positive number, got 'fast'");
}

TEST(Config, OutOfRangeValues) {
  std::string text = kYaml;
  text.replace(text.find("batch_size: 32"), 14, "batch_size: 0");
  EXPECT_EQ(config_error(text), "x.yaml:5: data.batch_size: expected a positive integer, got '0'");
  // data.val_split: below 1 a fraction, from 1 on an integer count written as one.
  for (const auto* bad : {"1.5", "1.0", "64.0", "-0.2", "-3"})
    EXPECT_EQ(config_error(kYaml, "x.yaml", {std::string("data.val_split=") + bad}),
              std::string("override 'data.val_split=") + bad +
                  "': data.val_split: expected a fraction in [0, 1) (0.2) or a count of images (an integer: 5000), "
                  "got '" + bad + "'");
  EXPECT_EQ(parse_config(kYaml, "x.yaml", {"data.val_split=1"}).data.val_split, 1);
  EXPECT_EQ(parse_config(kYaml, "x.yaml", {"data.val_split=1e+04"}).data.val_split, 10000);  // older config.yaml
  EXPECT_EQ(value_text(parse_config(kYaml, "x.yaml", {"data.val_split=1e+04"}), "data.val_split"), "10000");
  EXPECT_EQ(parse_config(kYaml, "x.yaml", {"data.val_split=0.2"}).data.val_split, 0.2);
  EXPECT_EQ(parse_config(kYaml, "x.yaml", {"data.val_split=1e-05"}).data.val_split, 1e-05);
  EXPECT_EQ(parse_config(kYaml, "x.yaml", {"data.val_split=0"}).data.val_split, 0);
  EXPECT_EQ(config_error(kYaml, "x.yaml", {"optimizer.name=lion"}),
            "override 'optimizer.name=lion': optimizer.name: expected one of sgd, adam, adamw, rmsprop, got 'lion'");
  EXPECT_EQ(config_error(kYaml, "x.yaml", {"train.epochs=2.5"}),
            "override 'train.epochs=2.5': train.epochs: expected a positive integer, got '2.5'");
  EXPECT_EQ(config_error(kYaml, "x.yaml", {"device=gpu"}),
            "override 'device=gpu': device: expected auto, cpu, cuda or cuda:N, got 'gpu'");
}

TEST(Config, LoaderWorkersHaveAnUpperBound) {
  EXPECT_EQ(config_error(kYaml, "x.yaml", {"data.workers=65"}),
            "override 'data.workers=65': data.workers: at most 64 loader threads, got 65");
  std::string text = kYaml;
  text.replace(text.find("batch_size: 32"), 14, "workers: 100000");
  EXPECT_EQ(config_error(text), "x.yaml:5: data.workers: at most 64 loader threads, got 100000");
  EXPECT_EQ(parse_config(kYaml, "x.yaml", {"data.workers=64"}).data.workers, 64);
}

// Issue 19 (security): the run name is a folder under runs/: no '/' or '..'.
TEST(Config, RunNamesCannotLeadOutOfTheRunsFolder) {
  for (const std::string bad : {"..", ".", "../x", "a..b", "a/b"}) {
    try {
      parse_config("name: '" + bad + "'\ndata: {dataset: mnist}\nmodel: {name: mlp}\n", "c.yaml");
      ADD_FAILURE() << bad;
    } catch (const ConfigError& e) {
      EXPECT_EQ(std::string(e.what()), "c.yaml:1: name: expected a name of letters, digits, '.', '_' or '-', without "
                                       "'..', got '" + bad + "'");
    }
  }
  EXPECT_EQ(parse_config("name: v1.2_a-b\ndata: {dataset: mnist}\nmodel: {name: mlp}\n", "c.yaml").name, "v1.2_a-b");
}

// Found by fuzzing the config loader: a JSON number beyond double escaped as nlohmann's
// out_of_range exception instead of the "invalid JSON" line.
TEST(Config, AJsonNumberBeyondDoubleIsInvalidJson) {
  try {
    parse_config("{\"data\": {\"dataset\": \"mnist\"}, \"model\": {\"name\": \"mlp\"}, \"optimizer\": {\"lr\": 1e99999}}",
                 "c.json");
    FAIL() << "loaded";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "c.json: invalid JSON: number overflow parsing '1e99999'");
  }
}

TEST(Config, ThreadsHaveAnUpperBound) {
  EXPECT_EQ(config_error(kYaml, "x.yaml", {"threads=10000"}),
            "override 'threads=10000': threads: at most 256 CPU threads, got 10000 (0 = LibTorch's default, one per "
            "core)");
  EXPECT_EQ(parse_config(kYaml, "x.yaml", {"threads=256"}).threads, 256);
}

TEST(Config, RatesMustFitTheOptimizersFloats) {
  EXPECT_EQ(config_error(kYaml, "x.yaml", {"optimizer.lr=1e300"}),
            "override 'optimizer.lr=1e300': optimizer.lr: 1e+300 does not fit the 32-bit float the optimizer keeps it "
            "in (at most 3.4e38)");
  EXPECT_NE(config_error(kYaml, "x.yaml", {"optimizer.weight_decay=1e39"}).find("optimizer.weight_decay: 1e+39 does not fit"),
            std::string::npos);
  EXPECT_DOUBLE_EQ(parse_config(kYaml, "x.yaml", {"optimizer.lr=1e30"}).optimizer.lr, 1e30);
}

TEST(Config, ModelsAndBatchesLargerThanMemoryAreRefusedNamingTheKey) {
  const auto hidden = config_error(kYaml, "x.yaml", {"model.name=mlp", "model.hidden=[100000000000]"});
  EXPECT_EQ(hidden.rfind("override 'model.hidden=[100000000000]': model.hidden: makes a model of at least ", 0), 0u)
      << hidden;
  EXPECT_NE(hidden.find(" with their gradients and optimizer state; this machine has "), std::string::npos) << hidden;
  const auto widths = config_error(kYaml, "x.yaml", {"model.name=residual_cnn", "model.widths=[1000000, 1000000]"});
  EXPECT_EQ(widths.rfind("override 'model.widths=[1000000, 1000000]': model.widths: makes a model of at least ", 0), 0u)
      << widths;
  const auto folder = std::string("name: f\ndata: {dataset: image_folder, root: /nowhere}\nmodel: {name: basic_cnn}\n");
  const auto size = config_error(folder, "f.yaml", {"data.image_size=100000"});
  EXPECT_EQ(size.rfind("override 'data.image_size=100000': data.image_size: one batch of 64 images of 3x100000x100000 "
                       "takes ",
                       0),
            0u)
      << size;
  EXPECT_NE(size.find(" as floats, before the model's activations; this machine has "), std::string::npos) << size;
  EXPECT_EQ(config_error(folder, "f.yaml", {"data.image_size=512"}), "");
  EXPECT_EQ(config_error(kYaml, "x.yaml", {"model.name=mlp", "model.hidden=[4096, 4096]"}), "");
}

TEST(Config, ASweepGridTooLargeToExpandIsRefusedBeforeExpanding) {
  test::TempDir dir;
  test::write_text(dir / "base.yaml", kYaml);
  std::string values = "[";
  for (int i = 1; i <= 100; ++i) values += (i > 1 ? ", " : "") + std::to_string(i);
  values += "]";
  test::write_text(dir / "s.yaml", "base: base.yaml\ngrid:\n  seed: " + values + "\n  train.epochs: " + values +
                                       "\n  data.batch_size: " + values + "\n");
  EXPECT_EQ(test::message_of<ConfigError>([&] { load_sweep(dir / "s.yaml"); }),
            dir / "s.yaml" + ": the grid makes 1000000 trials (100 seed x 100 train.epochs x 100 data.batch_size); a "
                             "sweep takes at most 10000: narrow the grid or split it into several sweeps");
}

TEST(Config, UnknownKeysGetDidYouMean) {
  EXPECT_EQ(config_error(std::string(kYaml) + "optimzer:\n  lr: 0.1\n"),
            "x.yaml:14: optimzer: unknown key; did you mean 'optimizer'?");
  std::string text = kYaml;
  text.replace(text.find("batch_size"), 10, "batchsize");
  EXPECT_EQ(config_error(text), "x.yaml:5: data.batchsize: unknown key; did you mean 'data.batch_size'?");
  EXPECT_EQ(config_error(kYaml, "x.yaml", {"train.lr=0.1"}),
            "override 'train.lr=0.1': train.lr: unknown key; did you mean 'optimizer.lr'?");
  EXPECT_EQ(config_error(std::string(kYaml) + "colour: red\n"), "x.yaml:14: colour: unknown key");
}

TEST(Config, DuplicateKeysAreRejected) {
  // yaml-cpp would silently keep the first of the two.
  EXPECT_EQ(config_error(std::string(kYaml) + "seed: 8\n"),
            "x.yaml:14: seed: duplicate key (first given at line 2)");
}

TEST(Config, MissingRequiredKeys) {
  EXPECT_EQ(config_error("model:\n  name: basic_cnn\n"),
            "x.yaml: data.dataset: required key is missing (expected one of fashion_mnist, mnist, cifar10, cifar100, image_folder)");
  EXPECT_EQ(config_error("data:\n  dataset: mnist\n"),
            "x.yaml: model.name: required key is missing (expected one of basic_cnn, baseline_cnn, cifar10_cnn, cifar_cnn, complex_cnn, mlp, residual_cnn, torchscript, vgg_cnn)");
  EXPECT_EQ(config_error(""), "x.yaml: the config is empty; it needs at least data.dataset and model.name");
}

TEST(Config, StructuralErrors) {
  EXPECT_EQ(config_error("data: 5\nmodel:\n  name: basic_cnn\n"),
            "x.yaml:1: data: expected a mapping of keys, got '5'");
  EXPECT_EQ(config_error("- a\n- b\n"), "x.yaml:1: expected a mapping of keys at the top level");
  EXPECT_EQ(config_error(std::string(kYaml) + "data:\n  limit: [1, 2\n").rfind("x.yaml:", 0), 0u);
  EXPECT_NE(config_error("{\"data\": {\"dataset\": \"mnist\",}}", "x.json").find("x.json: invalid JSON"),
            std::string::npos);
  EXPECT_EQ(config_error(kYaml, "x.yaml", {"optimizer"}),
            "override 'optimizer': expected KEY=VALUE with a dotted key, e.g. optimizer.lr=0.01");
  EXPECT_EQ(config_error(kYaml, "x.yaml", {"optimizer=1"}),
            "override 'optimizer=1': optimizer: is a section; override one of its keys, e.g. optimizer.<key>=...");
}

TEST(Config, OptimizerCombinations) {
  EXPECT_EQ(config_error(kYaml, "x.yaml", {"optimizer.momentum=0.9"}),
            "override 'optimizer.momentum=0.9': optimizer.momentum: only sgd and rmsprop use momentum, but "
            "optimizer.name is 'adam'");
  EXPECT_NE(config_error(kYaml, "x.yaml", {"optimizer.name=sgd", "optimizer.nesterov=true"}).find("needs optimizer.name: sgd with momentum > 0"),
            std::string::npos);
  EXPECT_EQ(config_error(kYaml, "x.yaml", {"optimizer.betas=[0.9]"}),
            "override 'optimizer.betas=[0.9]': optimizer.betas: expected two numbers in [0, 1), e.g. [0.9, 0.999], got "
            "'[0.9]'");
  // AdamW gets PyTorch's default weight decay unless one is given.
  EXPECT_DOUBLE_EQ(parse_config(kYaml, "x.yaml", {"optimizer.name=adamw"}).optimizer.weight_decay, 0.01);
  EXPECT_DOUBLE_EQ(parse_config(kYaml, "x.yaml", {"optimizer.name=adamw", "optimizer.weight_decay=0"}).optimizer.weight_decay,
                   0.0);
}

TEST(Config, NestedSectionsAndFrozenHash) {
  const auto c = parse_config(std::string(kYaml) + "  early_stopping: {patience: 3, monitor: val_loss}\n", "x.yaml");
  EXPECT_EQ(c.train.early_stopping.patience, 3);
  EXPECT_EQ(c.where("train.early_stopping.patience"), "x.yaml:14");
  const auto yaml = to_yaml(c);
  EXPECT_NE(yaml.find("early_stopping:"), std::string::npos) << yaml;
  EXPECT_EQ(to_yaml(parse_config(yaml, "again.yaml")), yaml);
  // The hash ignores what a resume may change, and sees the rest.
  EXPECT_EQ(frozen_config_hash(c), frozen_config_hash(parse_config(yaml, "y", {"train.epochs=9", "device=cpu"})));
  EXPECT_NE(frozen_config_hash(c), frozen_config_hash(parse_config(yaml, "y", {"optimizer.lr=0.5"})));
}

TEST(Config, ResumeMayChangeOnlyTheSchemasResumableKeys) {
  const std::vector<std::string> expected = {"name",         "device",          "threads",
                                             "data.max_image_pixels",
                                             "data.workers", "data.prefetch",   "data.device_resident",
                                             "train.epochs", "train.log_every", "logging.tensorboard",
                                             "distributed.backend", "distributed.timeout_s"};
  EXPECT_EQ(resumable_keys(), expected);
  const auto c = parse_config(kYaml, "x.yaml");
  const auto resumed =
      parse_config(kYaml, "x.yaml", {"train.epochs=9", "device=cpu", "data.workers=0", "logging.tensorboard=true"});
  EXPECT_EQ(frozen_config_hash(c), frozen_config_hash(resumed));
  EXPECT_NO_THROW(check_resume_changes(c, resumed));
  // The error names each key changed, its old and new value, and what may change.
  const auto changed = parse_config(kYaml, "x.yaml", {"train.epochs=9", "optimizer.lr=0.5", "seed=8"});
  EXPECT_NE(frozen_config_hash(c), frozen_config_hash(changed));
  try {
    check_resume_changes(c, changed);
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              "--resume: the overrides change seed (7 -> 8), optimizer.lr (0.002 -> 0.5), which a resumed run must "
              "keep; only name, device, threads, data.max_image_pixels, data.workers, data.prefetch, "
              "data.device_resident, train.epochs, "
              "train.log_every, logging.tensorboard, distributed.backend, distributed.timeout_s may change");
  }
}

TEST(Config, ReadmeResumeKeysAreTheSchemas) {
  // README "Resume, exactly" lists the keys an override may change; it must list the schema's.
  const auto readme = test::read_text(std::string(IMGCLS_SOURCE_DIR) + "/README.md");
  const auto begin = readme.find("Overrides may change only");
  ASSERT_NE(begin, std::string::npos) << "README: the resume section's list of keys is missing";
  const auto end = readme.find("anything else is refused", begin);
  ASSERT_NE(end, std::string::npos);
  std::set<std::string> listed;
  for (auto open = readme.find('`', begin); open < end; open = readme.find('`', open + 1)) {
    const auto close = readme.find('`', open + 1);
    listed.insert(readme.substr(open + 1, close - open - 1));
    open = close;
  }
  const auto keys = resumable_keys();
  EXPECT_EQ(listed, std::set<std::string>(keys.begin(), keys.end()));
}

TEST(Config, DatasetTableGivesChoicesChannelsAndLabels) {
  EXPECT_EQ(dataset_names(),
            (std::vector<std::string>{"fashion_mnist", "mnist", "cifar10", "cifar100", "image_folder"}));
  EXPECT_EQ(config_error("data: {dataset: svhn}\nmodel: {name: mlp}\n"),
            "x.yaml:1: data.dataset: expected one of fashion_mnist, mnist, cifar10, cifar100, image_folder, got 'svhn'");
  const auto channels = [](const std::string& data) {
    return input_channels(parse_config("data: " + data + "\nmodel: {name: mlp}\n", "x.yaml").data);
  };
  EXPECT_EQ(channels("{dataset: mnist}"), 1);
  EXPECT_EQ(channels("{dataset: cifar100}"), 3);
  EXPECT_EQ(channels("{dataset: image_folder, root: r, channels: 1}"), 1);
  EXPECT_EQ(config_error("data: {dataset: cifar10, label: coarse}\nmodel: {name: mlp}\n"),
            "x.yaml:1: data.label: coarse labels exist only for cifar100");
  // Each row is complete for its format.
  for (const auto& d : dataset_table()) {
    if (d.format == DatasetFormat::kImageFolder) continue;
    EXPECT_GT(d.channels * d.height * d.width * d.classes, 0) << d.name;
    EXPECT_FALSE(d.default_root.empty()) << d.name;
    if (d.format == DatasetFormat::kIdx) {
      EXPECT_EQ(static_cast<int64_t>(d.class_names.size()), d.classes) << d.name;
    }
    if (d.format == DatasetFormat::kCifar) {
      EXPECT_FALSE(d.train_files.empty() || d.test_files.empty() || d.fine_names_file.empty()) << d.name;
      EXPECT_EQ(d.coarse_classes > 0, !d.coarse_names_file.empty()) << d.name;
    }
  }
}

TEST(Config, ShippedConfigsLoad) {
  for (const auto* name : {"fashion_mnist.yaml", "fashion_mnist.json"}) {
    const auto c = load_config(std::string(IMGCLS_SOURCE_DIR) + "/configs/" + name);
    EXPECT_EQ(c.model.name, "basic_cnn") << name;
  }
  // Every shipped config and sweep validates (their data need not be here).
  const auto dir = std::string(IMGCLS_SOURCE_DIR) + "/configs";
  int configs = 0, sweeps = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".yaml" || e.path().extension() == ".json") {
      EXPECT_NO_THROW(load_config(e.path().string())) << e.path();
      ++configs;
    }
  for (const auto& e : std::filesystem::directory_iterator(dir + "/sweeps")) {
    EXPECT_GT(load_sweep(e.path().string()).trials.size(), 1u) << e.path();
    ++sweeps;
  }
  EXPECT_GE(configs, 4);
  EXPECT_EQ(sweeps, 4);
}

TEST(Config, NullOverridePutsAKeyBackToItsDefault) {
  const auto c = parse_config("data: {dataset: mnist}\nmodel: {name: torchscript, path: a.pt, freeze_backbone: true}\n",
                              "x.yaml", {"model.name=mlp", "model.path=null", "model.freeze_backbone= ~"});
  EXPECT_EQ(c.model.path, "");
  EXPECT_FALSE(c.model.freeze_backbone);
  EXPECT_EQ(c.where("model.path"), "default");
}

// Switching the flowers config to a plain CNN on the command line: the file's keys for the
// TorchScript backbone are dropped with one warning; in the file itself they stay an error.
TEST(Config, AModelNameOverrideDropsTheFilesKeysOfAnotherModel) {
  const std::string flowers =
      "data: {dataset: mnist}\nmodel:\n  name: torchscript\n  path: r18.pt\n"
      "  freeze_backbone: true\n  unfreeze_at_epoch: 0\n  init: kaiming\n";
  const auto c = parse_config(flowers, "f.yaml", {"model.name=baseline_cnn"});
  EXPECT_EQ(c.model.name, "baseline_cnn");
  EXPECT_EQ(c.model.path, "");
  EXPECT_FALSE(c.model.freeze_backbone);
  EXPECT_EQ(c.model.init, "kaiming");  // every model takes it
  EXPECT_EQ(c.where("model.path"), "default");
  // One line; unfreeze_at_epoch, at its default, changes nothing and is not named.
  EXPECT_EQ(c.warnings,
            (std::vector<std::string>{"override 'model.name=baseline_cnn': ignoring model.path (f.yaml:4), "
                                      "model.freeze_backbone (f.yaml:5): baseline_cnn does not take them"}));
  EXPECT_NO_THROW(check_model_keys(c));
  // The keys the new model takes stay.
  const auto mlp = parse_config("data: {dataset: mnist}\nmodel: {name: vgg_cnn, hidden: [64], widths: [8]}\n", "v.yaml",
                                {"model.name=mlp"});
  EXPECT_EQ(mlp.model.hidden, (std::vector<int64_t>{64}));
  EXPECT_EQ(
      mlp.warnings,
      (std::vector<std::string>{"override 'model.name=mlp': ignoring model.widths (v.yaml:2): mlp does not take it"}));
  // No model.name override: nothing dropped, the model refuses the key and says the fix.
  const auto same = parse_config(flowers, "f.yaml", {"model.init=default"});
  EXPECT_TRUE(same.warnings.empty());
  const auto in_file = parse_config(
      "data: {dataset: mnist}\nmodel:\n  name: baseline_cnn\n  path: r18.pt\n"
      "  freeze_backbone: true\n",
      "f.yaml");
  EXPECT_TRUE(in_file.warnings.empty());
  EXPECT_EQ(test::message_of<ConfigError>([&] { check_model_keys(in_file); }),
            "f.yaml:4: model.path: baseline_cnn does not take this key (it takes none besides model.init); remove "
            "model.path, model.freeze_backbone from the config, or add model.path=null model.freeze_backbone=null "
            "to the command line");
  // A key of another model given on the command line is kept, and refused by the model.
  const auto explicit_path = parse_config(flowers, "f.yaml", {"model.name=baseline_cnn", "model.path=x.pt"});
  EXPECT_EQ(explicit_path.model.path, "x.pt");
  EXPECT_THROW(check_model_keys(explicit_path), ConfigError);
}

TEST(Config, ClassWeightsAndSamplerParseRoundTripAndNameWhatIsAllowed) {
  EXPECT_EQ(parse_config(kYaml, "x.yaml").train.class_weights, "none");
  EXPECT_EQ(parse_config(kYaml, "x.yaml").data.sampler, "random");
  const auto balanced = parse_config(kYaml, "x.yaml", {"train.class_weights=balanced", "data.sampler=balanced"});
  EXPECT_EQ(balanced.train.class_weights, "balanced");
  EXPECT_EQ(balanced.data.sampler, "balanced");
  const auto listed = parse_config(kYaml, "x.yaml", {"train.class_weights=[1, 2, 3, 4, 5, 6, 7, 8, 9, 0.5]"});
  EXPECT_EQ(listed.train.class_weights, "list");
  EXPECT_EQ(listed.train.class_weight_list.size(), 10u);
  EXPECT_EQ(value_text(listed, "train.class_weights"), "[1, 2, 3, 4, 5, 6, 7, 8, 9, 0.5]");
  for (const auto& c : {balanced, listed}) {  // config.yaml reads back to the same config
    const auto again = parse_config(to_yaml(c), "config.yaml");
    EXPECT_EQ(again.train.class_weights, c.train.class_weights);
    EXPECT_EQ(again.train.class_weight_list, c.train.class_weight_list);
    EXPECT_EQ(again.data.sampler, c.data.sampler);
  }
  // data.classes decides the count: two classes, two weights.
  EXPECT_EQ(
      parse_config(kYaml, "x.yaml", {"data.classes=[3, 5]", "train.class_weights=[1, 4]"}).train.class_weight_list,
      (std::vector<double>{1, 4}));

  const std::string allowed = "none, balanced, or a list of positive numbers, one per class (e.g. [1, 2.5, 4])";
  EXPECT_EQ(config_error(kYaml, "x.yaml", {"train.class_weights=inverse"}),
            "override 'train.class_weights=inverse': train.class_weights: expected " + allowed + ", got 'inverse'");
  EXPECT_NE(config_error(kYaml, "x.yaml", {"train.class_weights=[1, -2]"}).find("expected " + allowed),
            std::string::npos);
  EXPECT_EQ(config_error(kYaml, "x.yaml", {"train.class_weights=[1, 2, 3]"}),
            "override 'train.class_weights=[1, 2, 3]': train.class_weights: 3 weights for 10 classes; allowed: "
            "none, balanced, or a list of 10 positive numbers in class-index order");
  EXPECT_NE(config_error(kYaml, "x.yaml", {"data.classes=[3, 5]", "train.class_weights=[1, 2, 3]"})
                .find("train.class_weights: 3 weights for 2 classes"),
            std::string::npos);
  EXPECT_EQ(config_error(kYaml, "x.yaml", {"data.sampler=weighted"}),
            "override 'data.sampler=weighted': data.sampler: expected one of random, balanced, got 'weighted'");
  EXPECT_EQ(parse_config(kYaml, "x.yaml", {"train.early_stopping.monitor=val_macro_f1"}).train.early_stopping.monitor,
            "val_macro_f1");
}

}  // namespace
}  // namespace imgcls
