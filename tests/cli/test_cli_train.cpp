// `imgcls train` run as a user runs it: the process, its exit codes, its output and files.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "imgcls/config/config.hpp"
#include "test_util.hpp"

namespace imgcls {
namespace {
namespace fs = std::filesystem;

const std::string kBinary = IMGCLS_BINARY;
const std::string kConfig = std::string(IMGCLS_SOURCE_DIR) + "/configs/fashion_mnist.yaml";

TEST(CliTrain, WritesTheWholeRunDirectory) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  const auto out = dir / "run";
  const auto r = test::run(kBinary + " train " + kConfig +
                           " data.limit=600 data.val_split=0.25 train.epochs=2 device=cpu --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("epoch 2/2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("results in " + out), std::string::npos) << r.output;

  // config.yaml: the resolved config, loadable, with the overrides in it.
  const auto resolved = load_config(out + "/config.yaml");
  EXPECT_EQ(resolved.train.epochs, 2);
  EXPECT_EQ(resolved.data.limit, 600);
  EXPECT_EQ(resolved.device, "cpu");
  EXPECT_EQ(resolved.optimizer.lr, 0.001);

  // metrics.csv: header + one row per epoch, accuracies as fractions.
  const auto rows = test::lines_of(test::read_text(out + "/metrics.csv"));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0],
            "epoch,lr,train_loss,train_acc,val_loss,val_acc,epoch_seconds,images_per_second,data_seconds,step_seconds,"
            "eval_seconds,val_macro_f1,val_balanced_acc,val_loss_ema,val_acc_ema");
  for (std::size_t i = 1; i < rows.size(); ++i) {
    std::vector<double> v;
    std::istringstream row(rows[i]);
    for (std::string cell; std::getline(row, cell, ',');) v.push_back(cell.empty() ? NAN : std::stod(cell));
    if (!rows[i].empty() && rows[i].back() == ',') v.push_back(NAN);  // getline drops a last empty cell
    ASSERT_EQ(v.size(), 15u) << rows[i];  // val_loss_ema, val_acc_ema empty without train.ema
    EXPECT_TRUE(std::isnan(v[13]));
    EXPECT_TRUE(std::isnan(v[14]));
    EXPECT_EQ(v[0], static_cast<double>(i));
    EXPECT_DOUBLE_EQ(v[1], 0.001);
    EXPECT_GT(v[3], 0.0);
    EXPECT_LE(v[3], 1.0);
    EXPECT_GT(v[5], 0.0);
    EXPECT_LE(v[5], 1.0);
    EXPECT_GT(v[6], 0.0);
    EXPECT_GT(v[7], 0.0);
    // Where the time went: data + step is the training pass, eval the validation pass; the
    // three fit in the epoch.
    EXPECT_GE(v[8], 0.0);
    EXPECT_GT(v[9], 0.0);
    EXPECT_GT(v[10], 0.0);
    EXPECT_LE(v[8] + v[9] + v[10], v[6] + 0.01);
  }
  EXPECT_NE(r.output.find(" s (data "), std::string::npos) << r.output;

  // summary.json
  const auto s = nlohmann::json::parse(test::read_text(out + "/summary.json"));
  EXPECT_EQ(s["status"], "completed");
  for (const auto* key : {"best_val_acc", "best_epoch", "test_acc", "total_seconds", "versions", "device"})
    EXPECT_TRUE(s.contains(key)) << key;
  EXPECT_GT(s["test_acc"].get<double>(), 0.3);
  EXPECT_EQ(s["device"], "cpu");
  EXPECT_EQ(s["versions"]["libtorch"].get<std::string>().substr(0, 1), "2");

  // checkpoints and log
  EXPECT_GT(fs::file_size(out + "/checkpoints/last.pt"), 800000u);  // 206,922 float32 weights
  EXPECT_GT(fs::file_size(out + "/checkpoints/best.pt"), 800000u);
  const auto log = test::read_text(out + "/train.log");
  EXPECT_NE(log.find("epoch 1/2"), std::string::npos);
  EXPECT_NE(log.find("test (best epoch"), std::string::npos);
  for (const auto& entry : fs::recursive_directory_iterator(out))
    EXPECT_EQ(entry.path().string().find(".tmp."), std::string::npos) << entry.path();

  // The same --out again is refused, and the earlier run stays as it was.
  const auto before = test::read_text(out + "/metrics.csv");
  const auto again = test::run(kBinary + " train " + kConfig + " data.limit=600 --out " + out);
  EXPECT_EQ(again.exit_code, 2) << again.output;
  EXPECT_NE(again.output.find("already holds a run"), std::string::npos) << again.output;
  EXPECT_EQ(test::read_text(out + "/metrics.csv"), before);
}

// A run's folder is named for what the command line changed, as a sweep names its trials, and
// `imgcls plot` tells runs apart by the settings that differ, never by cut-short names
// (issue 22).
TEST(CliTrain, RunNamesFollowOverridesAndPlotLabelsTellRunsApart) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  const auto train = [&](const std::string& model) {
    const auto r = test::run("cd " + dir.path() + " && " + kBinary + " train " + kConfig + " -q device=cpu " + model +
                             " data.limit=96 data.val_split=32 train.epochs=1");
    EXPECT_EQ(r.exit_code, 0) << r.output;
  };
  train("model.name=mlp");
  train("model.name=basic_cnn");
  std::vector<std::string> runs;
  for (const auto& e : fs::directory_iterator(dir / "runs")) runs.push_back(e.path().filename().string());
  std::sort(runs.begin(), runs.end());
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].rfind("fashion_mnist_basic_cnn_name-basic_cnn_limit-96_val_split-32_epochs-1-", 0), 0u) << runs[0];
  EXPECT_EQ(runs[1].rfind("fashion_mnist_basic_cnn_name-mlp_limit-96_val_split-32_epochs-1-", 0), 0u) << runs[1];
  EXPECT_EQ(load_config(dir / ("runs/" + runs[1] + "/config.yaml")).name,
            "fashion_mnist_basic_cnn_name-mlp_limit-96_val_split-32_epochs-1");

  const auto a = dir / ("runs/" + runs[0]), b = dir / ("runs/" + runs[1]);
  const auto plot = test::run(kBinary + " plot " + a + " " + b + " --out " + dir / "p.png");
  ASSERT_EQ(plot.exit_code, 0) << plot.output;
  EXPECT_NE(plot.output.find("  model.name=basic_cnn: " + a + "\n"), std::string::npos) << plot.output;
  EXPECT_NE(plot.output.find("  model.name=mlp: " + b + "\n"), std::string::npos) << plot.output;
  // Runs of one config: their folder names, whole.
  fs::copy(a, dir / "first", fs::copy_options::recursive);
  fs::copy(a, dir / "second", fs::copy_options::recursive);
  const auto same = test::run(kBinary + " plot " + dir / "first" + " " + dir / "second" + " --out " + dir / "q.png");
  ASSERT_EQ(same.exit_code, 0) << same.output;
  EXPECT_NE(same.output.find("  first: " + dir / "first" + "\n"), std::string::npos) << same.output;
  EXPECT_NE(same.output.find("  second: " + dir / "second" + "\n"), std::string::npos) << same.output;
}

TEST(CliTrain, NonFiniteLossWritesItsBatchesToNonfiniteJson) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  const auto out = dir / "run";
  // lr 1e30: the first step is finite, the update it makes is not.
  const auto r = test::run(kBinary + " train " + kConfig +
                           " data.limit=640 data.val_split=0.2 optimizer.lr=1e30 device=cpu --out " + out);
  ASSERT_EQ(r.exit_code, 4) << r.output;
  const auto j = nlohmann::json::parse(test::read_text(out + "/nonfinite.json"));
  EXPECT_EQ(j["epoch"], 1);
  ASSERT_EQ(j["steps"].size(), 1u) << j.dump();  // on the CPU the loss is read every step: that step alone
  const auto& step = j["steps"][0];
  EXPECT_GE(step["step"].get<int>(), 2);
  ASSERT_EQ(step["indices"].size(), 64u);  // data.batch_size
  ASSERT_EQ(step["file_indices"].size(), 64u);
  for (const auto& i : step["file_indices"]) EXPECT_LT(i.get<int>(), 60000);  // an index into train-images-idx3
  EXPECT_TRUE(j["loss"] == "nan" || j["loss"] == "inf") << j["loss"];
  EXPECT_DOUBLE_EQ(j["lr"].get<double>(), 1e30);
  EXPECT_TRUE(j["previous_grad_norm"].is_number()) << j.dump();  // the first step's: finite
  EXPECT_TRUE(j["loss_scale"].is_null());                          // no fp16 here
  EXPECT_NE(j["error"].get<std::string>().find("loss is"), std::string::npos);
  // The error line names the steps; the last good checkpoint state is untouched by the failure.
  const auto s = nlohmann::json::parse(test::read_text(out + "/summary.json"));
  EXPECT_EQ(s["status"], "failed");
  // With clipping the norm is clip_grad_norm_'s (before clipping): the same number.
  const auto clipped = dir / "clipped";
  const auto c = test::run(kBinary + " train " + kConfig +
                           " data.limit=640 data.val_split=0.2 optimizer.lr=1e30 train.grad_clip_norm=1000 device=cpu "
                           "--out " + clipped);
  ASSERT_EQ(c.exit_code, 4) << c.output;
  const auto jc = nlohmann::json::parse(test::read_text(clipped + "/nonfinite.json"));
  EXPECT_NEAR(jc["previous_grad_norm"].get<double>(), j["previous_grad_norm"].get<double>(),
              1e-6 * j["previous_grad_norm"].get<double>());
}

TEST(CliTrain, ConfigErrorsExitTwoWithOneLine) {
  test::TempDir dir;
  test::write_text(dir / "bad.yaml", "data:\n  dataset: fashion_mnist\nmodel:\n  name: basic_cnn\noptimizer:\n  lr: fast\n");
  auto r = test::run(kBinary + " train " + dir / "bad.yaml" + " --out " + dir / "run");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.output, "imgcls: error: " + dir / "bad.yaml" + ":6: optimizer.lr: expected a positive number, got 'fast'\n");
  EXPECT_FALSE(fs::exists(dir / "run"));  // nothing written for a rejected config

  r = test::run(kBinary + " train " + kConfig + " optimizer.lrr=0.1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.output, "imgcls: error: override 'optimizer.lrr=0.1': optimizer.lrr: unknown key; did you mean "
                      "'optimizer.lr'?\n");

  r = test::run(kBinary + " train " + dir / "missing.yaml");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("cannot open the config file"), std::string::npos);

  r = test::run(kBinary + " train --no-such-flag " + kConfig);
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

TEST(CliTrain, MissingDataExitsThree) {
  test::TempDir dir;
  const auto r = test::run(kBinary + " train " + kConfig + " data.root=" + dir / "nowhere" + " --out " + dir / "run");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find(dir / "nowhere"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("train-images-idx3-ubyte"), std::string::npos) << r.output;
}

// Starts imgcls in the background, waits for its first epoch, sends `sig`, returns the exit code.
int interrupt_after_first_epoch(const std::string& out, int sig) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::freopen("/dev/null", "w", stdout);
    ::execl(kBinary.c_str(), kBinary.c_str(), "train", kConfig.c_str(), "data.limit=2000", "data.val_split=0.1",
            "train.epochs=50", "device=cpu", "--out", out.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!fs::exists(out + "/checkpoints/last.pt") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ::kill(pid, sig);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(CliTrain, SigintAndSigtermStopCleanly) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  for (auto [sig, code] : {std::pair{SIGINT, 130}, std::pair{SIGTERM, 143}}) {
    test::TempDir dir;
    const auto out = dir / "run";
    EXPECT_EQ(interrupt_after_first_epoch(out, sig), code);
    const auto s = nlohmann::json::parse(test::read_text(out + "/summary.json"));
    EXPECT_EQ(s["status"], "interrupted");
    EXPECT_GE(s["epochs_run"].get<int>(), 1);
    EXPECT_LT(s["epochs_run"].get<int>(), 50);
    EXPECT_GE(test::lines_of(test::read_text(out + "/metrics.csv")).size(), 2u);
    EXPECT_NE(test::read_text(out + "/train.log").find("interrupted by"), std::string::npos);
  }
}

// The imbalance tools' bad inputs: one line naming the key and what is allowed, exit 2, and
// no run directory (rejected before any work).
TEST(CliTrain, ImbalanceBadInputsExitTwoWithOneLineBeforeAnyWork) {
  test::TempDir dir;
  auto r = test::run(kBinary + " train " + kConfig + " train.class_weights=[1,2] --out " + dir / "run");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.output,
            "imgcls: error: override 'train.class_weights=[1,2]': train.class_weights: 2 weights for 10 "
            "classes; allowed: none, balanced, or a list of 10 positive numbers in class-index order\n");
  EXPECT_FALSE(fs::exists(dir / "run"));
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  // The first 20 training images have no Bag (class 8).
  const auto small = kBinary + " train " + kConfig + " device=cpu data.limit=20 data.val_split=0 --out " + dir / "run";
  r = test::run(small + " data.sampler=balanced");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(r.output,
            "imgcls: error: override 'data.sampler=balanced': data.sampler: balanced needs training images "
            "of every class, but class 8 (Bag) has none; allowed: random, or data.classes without that "
            "class\n");
  EXPECT_FALSE(fs::exists(dir / "run"));
  r = test::run(small + " train.class_weights=balanced");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  EXPECT_NE(r.output.find("train.class_weights: balanced divides by each class's training images, but class 8 (Bag) "
                          "has none; allowed: none, a list of 10 positive numbers"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(dir / "run"));
}

}  // namespace
}  // namespace imgcls
