// What leaves imgcls for Python: `imgcls export --format state_dict` loaded by
// scripts/reference_models.py gives imgcls's logits within 1e-4 for every architecture;
// scripts/to_onnx.py writes ONNX that onnx.checker accepts; TensorBoard reads the event files
// back. These need the project's Python environment (scripts/setup.sh installs torch,
// tensorboard and onnx into it) and skip, saying so, without it.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "engine/run_files.hpp"
#include "engine/trained_run.hpp"
#include "models/state_dict.hpp"
#include "test_util.hpp"

namespace imgcls {
namespace {
namespace fs = std::filesystem;

const std::string kBinary = IMGCLS_BINARY;
const std::string kSource = IMGCLS_SOURCE_DIR;
const std::string kPython = IMGCLS_PYTHON;

bool python_has(const std::string& modules) {
  return !kPython.empty() && test::run(kPython + " -c 'import " + modules + "'").exit_code == 0;
}

#define REQUIRE_PYTHON(modules)                                                                       \
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "Fashion-MNIST not installed";                     \
  if (!python_has(modules))                                                                           \
  GTEST_SKIP() << "no Python with " << modules << " at '" << kPython << "' (run scripts/setup.sh)"

// A one-epoch Fashion-MNIST run on 96 images with `model` (config overrides).
std::string train_tiny(const test::TempDir& dir, const std::string& name, const std::string& model) {
  const auto out = dir / name;
  const auto r = test::run(kBinary + " train " + kSource + "/configs/fashion_mnist.yaml -q device=cpu data.limit=96 " +
                           "data.val_split=32 data.batch_size=32 train.epochs=1 " + model + " --out " + out);
  EXPECT_EQ(r.exit_code, 0) << model << "\n" << r.output;
  return out;
}

TEST(Export, StateDictGivesTheSameLogitsInPyTorchForEveryModel) {
  REQUIRE_PYTHON("torch, torchvision");
  test::TempDir dir;
  const std::vector<std::pair<std::string, std::string>> models = {
      {"mlp", "model.name=mlp model.hidden=[64,32] model.activation=tanh model.dropout=0.2"},
      {"basic", "model.name=basic_cnn"},
      {"complex", "model.name=complex_cnn"},
      {"baseline", "model.name=baseline_cnn"},
      {"cifar_stride", "model.name=cifar_cnn model.pooling=stride model.hidden_size=8"},
      {"cifar_max", "model.name=cifar_cnn model.pooling=max model.hidden_size=8"},
      {"residual", "model.name=residual_cnn model.widths=[8,16] model.blocks=1 model.stem_channels=8"},
      {"vgg", "model.name=vgg_cnn model.widths=[8,16] model.blocks=2 model.hidden=[32] model.dropout=0.2"},
      {"torchscript", "model.name=torchscript model.path=" + kSource + "/tests/fixtures/tiny_backbone_1ch.pt"},
  };
  for (const auto& [name, overrides] : models) {
    SCOPED_TRACE(name);
    const auto run = train_tiny(dir, name, overrides);
    const auto file = dir / (name + ".pt");
    const auto ex = test::run(kBinary + " export " + run + " --format state_dict --out " + file);
    ASSERT_EQ(ex.exit_code, 0) << ex.output;
    ASSERT_TRUE(fs::exists(file + ".json"));

    // imgcls's logits for a fixed batch, next to the batch, for the Python side.
    auto model = load_trained_model(open_trained_run(run, {}));
    at::manual_seed(7);
    const auto input = at::randn({3, 1, 28, 28});
    const auto logits = model->forward(input).detach();
    write_state_dict(dir / (name + ".io.pt"), {{"input", input}, {"logits", logits}});
    const auto cmp = test::run(kPython + " " + kSource + "/scripts/reference_models.py compare " + file + " " +
                               dir / (name + ".io.pt") + " --atol 1e-4");
    EXPECT_EQ(cmp.exit_code, 0) << cmp.output;
    EXPECT_NE(cmp.output.find("(ok, tolerance 0.0001)"), std::string::npos) << cmp.output;
  }

  // ONNX: a plain CNN; BatchNorm, residual additions and adaptive average pooling of 1x1 to
  // 4x4; adaptive max pooling of 7x7 to 2x2 (no ONNX operator: unrolled by to_onnx.py).
  if (!python_has("onnx")) GTEST_SKIP() << "no onnx in " << kPython << " (run scripts/setup.sh)";
  for (const auto* name : {"basic", "residual", "cifar_max"}) {
    const auto onnx = dir / (std::string(name) + ".onnx");
    const auto r = test::run(kPython + " " + kSource + "/scripts/to_onnx.py " + dir / (std::string(name) + ".pt") +
                             " --out " + onnx);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("onnx.checker passed"), std::string::npos) << r.output;
    EXPECT_GT(fs::file_size(onnx), 1000u);
  }
}

TEST(Export, TorchscriptFormatNeedsATorchscriptRun) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "Fashion-MNIST not installed";
  test::TempDir dir;
  const auto run = train_tiny(dir, "basic", "model.name=basic_cnn");
  const auto r = test::run(kBinary + " export " + run + " --format torchscript --out " + dir / "x.pt");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("use --format state_dict"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "x.pt"));
  EXPECT_EQ(test::run(kBinary + " export " + run).exit_code, 2);  // no --out
}

// The banner comes first, the backbone line in it; counts of one are singular; and the Python
// command export prints runs as printed, with the project's Python (issue 22).
TEST(Export, PrintsAPyTorchCommandThatRuns) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "Fashion-MNIST not installed";
  test::TempDir dir;
  const auto run = dir / "ts";
  const auto r = test::run(kBinary + " train " + kSource + "/configs/fashion_mnist.yaml device=cpu threads=1 " +
                           "data.limit=96 data.val_split=32 data.batch_size=32 train.epochs=1 data.classes=[3] " +
                           "model.name=torchscript model.path=" + kSource + "/tests/fixtures/tiny_backbone_1ch.pt" +
                           " --out " + run);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.rfind("imgcls ", 0), 0u) << r.output;  // nothing before the banner
  const auto backbone = r.output.find("\nbackbone:  ");
  EXPECT_NE(backbone, std::string::npos) << r.output;
  EXPECT_GT(backbone, r.output.find("\nmodel:     ")) << r.output;
  EXPECT_NE(r.output.find("cpu, 1 CPU thread"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(", 1 class; train "), std::string::npos) << r.output;

  const auto ex = test::run(kBinary + " export " + run + " --out " + dir / "ts.pt");
  ASSERT_EQ(ex.exit_code, 0) << ex.output;
  const auto at = ex.output.find("in PyTorch: ");
  ASSERT_NE(at, std::string::npos) << ex.output;
  const auto command = ex.output.substr(at + 12, ex.output.find('\n', at) - at - 12);
  EXPECT_NE(command.find("/bin/python " + kSource + "/scripts/reference_models.py describe " + dir / "ts.pt"),
            std::string::npos)
      << command;
  EXPECT_EQ(command.find(" load "), std::string::npos) << command;
  if (!python_has("torch, torchvision")) GTEST_SKIP() << "no Python with torch at '" << kPython << "'";
  // As a user would paste it ("~/" expanded by the shell), with the test's Python when it is another.
  const auto py = command.substr(0, command.find(' '));
  const auto pasted = test::run((kPython.empty() ? py : kPython) + command.substr(py.size()));
  EXPECT_EQ(pasted.exit_code, 0) << command << "\n" << pasted.output;
}

TEST(TensorBoard, EventFilesReadBackWithTensorBoardAcrossAResume) {
  REQUIRE_PYTHON("tensorboard");
  test::TempDir dir;
  const auto out = dir / "run";
  auto r = test::run(kBinary + " train " + kSource + "/configs/fashion_mnist.yaml -q device=cpu data.limit=96 " +
                     "data.val_split=32 data.batch_size=32 train.epochs=2 logging.tensorboard=true --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = test::run(kBinary + " train --resume " + out + " train.epochs=3 -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(std::distance(fs::directory_iterator(out + "/tb"), fs::directory_iterator{}), 1);  // one file

  const auto read = test::run(kPython + " " + kSource + "/tests/python/read_tensorboard.py " + out + "/tb");
  ASSERT_EQ(read.exit_code, 0) << read.output;
  const auto tb = nlohmann::json::parse(read.output.substr(read.output.find('{')));
  const auto rows = read_metrics_csv(out + "/metrics.csv");
  ASSERT_EQ(rows.size(), 3u);
  const std::vector<std::pair<std::string, double EpochMetrics::*>> tags = {
      {"loss/train", &EpochMetrics::train_loss}, {"loss/val", &EpochMetrics::val_loss},
      {"accuracy/train", &EpochMetrics::train_acc}, {"accuracy/val", &EpochMetrics::val_acc},
      {"lr", &EpochMetrics::lr}};
  for (const auto& [tag, field] : tags) {
    SCOPED_TRACE(tag);
    ASSERT_TRUE(tb.contains(tag)) << read.output;
    ASSERT_EQ(tb[tag].size(), 3u);  // epochs 1, 2, 3: none twice after the resume
    for (std::size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(tb[tag][i][0].get<int64_t>(), rows[i].epoch);
      EXPECT_NEAR(tb[tag][i][1].get<double>(), rows[i].*field, 1e-5 * (1 + std::abs(rows[i].*field)));
    }
  }
}

}  // namespace
}  // namespace imgcls
