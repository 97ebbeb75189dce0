// The engine as a user meets it: exact resume after SIGKILL at random moments, clean
// interruption, resuming finished runs, bad resumes, early stopping, gradient accumulation.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "data/splits.hpp"
#include "engine/checkpoint.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/engine/trainer.hpp"
#include "models/classifier.hpp"
#include "test_util.hpp"
#include "util/cpu_features.hpp"

namespace imgcls {
namespace {
namespace fs = std::filesystem;

const std::string kBinary = IMGCLS_BINARY;

// An MLP with dropout (so the random generator matters), big enough that checkpoint writes
// take a visible share of the run.
const char* kConfig = R"(name: resume
seed: 11
device: cpu
threads: 1
data: {dataset: fashion_mnist, root: /usr/share/datasets/fashion-mnist, limit: 3000, val_split: 0.2, batch_size: 32}
model: {name: mlp, hidden: [1024, 512], dropout: 0.2}
optimizer: {name: adam, lr: 0.001}
scheduler: {name: cosine}
train: {epochs: 6}
output: {keep_last: 2}
)";

// Runs imgcls with `args`; `kill_at` sets IMGCLS_TEST_KILL_AT (the test hook that stops the
// process at an exact point, util/kill_point.hpp).
pid_t spawn(const std::vector<std::string>& args, const std::string& kill_at = "") {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (!::freopen("/dev/null", "w", stdout) || !::freopen("/dev/null", "w", stderr)) ::_exit(126);
    if (kill_at.empty()) ::unsetenv("IMGCLS_TEST_KILL_AT");
    else ::setenv("IMGCLS_TEST_KILL_AT", kill_at.c_str(), 1);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(kBinary.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(kBinary.c_str(), argv.data());
    ::_exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string status_of(const std::string& run) {
  if (!fs::exists(run + "/summary.json")) return "";
  return nlohmann::json::parse(test::read_text(run + "/summary.json")).value("status", "");
}

// metrics.csv without the timing columns (epoch_seconds, images_per_second).
std::string metrics_without_timing(const std::string& run) {
  std::istringstream in(test::read_text(run + "/metrics.csv"));
  std::string out;
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::istringstream row(line);
    for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
    cells.resize(6);
    for (const auto& c : cells) out += c + ",";
    out += "\n";
  }
  return out;
}

std::vector<at::Tensor> weights_of(const std::string& checkpoint) {
  const auto config = parse_config(kConfig, "resume.yaml");
  auto model = make_model(config, InputSpec{1, 28, 28, 10});
  load_checkpoint(checkpoint, *model, nullptr);
  return model->parameters();
}

// The lines of train.log that say where a (resumed) run starts.
std::vector<std::string> resume_lines(const std::string& run) {
  std::istringstream in(test::read_text(run + "/train.log"));
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);)
    if (line.find("resuming:") != std::string::npos) out.push_back(line.substr(line.find("resuming:")));
  return out;
}

TEST(Resume, KilledAtExactMomentsThenResumedIsBitForBitTheSame) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  test::write_text(dir / "c.yaml", kConfig);
  ASSERT_EQ(wait_exit(spawn({"train", dir / "c.yaml", "--out", dir / "straight"})), 0);

  // The same run, killed (SIGKILL: no cleanup) at exact points, resumed after each.
  const auto run = dir / "killed";
  // 1. Between epoch 1's pending best.pt and its last.pt: no last.pt yet, nothing to resume.
  ASSERT_EQ(wait_exit(spawn({"train", dir / "c.yaml", "--out", run}, "1:best-pending")), 128 + SIGKILL);
  EXPECT_FALSE(fs::exists(run + "/checkpoints/last.pt"));
  EXPECT_TRUE(fs::exists(run + "/checkpoints/best.pending-1.pt"));
  // 2. Resumed (from scratch, and it says so: the pending file is dropped), killed after
  //    epoch 2's last.pt, before its best.pt was renamed into place.
  const auto over = test::run("IMGCLS_TEST_KILL_AT=2:last-written " + kBinary + " train --resume " + run);
  ASSERT_EQ(over.exit_code, 128 + SIGKILL) << over.output;
  EXPECT_NE(over.output.find("no checkpoints/last.pt in " + run +
                             " (the run stopped before its first checkpoint): starting it over at epoch 1"),
            std::string::npos)
      << over.output;
  EXPECT_FALSE(fs::exists(run + "/checkpoints/best.pending-1.pt"));
  ASSERT_TRUE(fs::exists(run + "/checkpoints/best.pending-2.pt")) << "epoch 2 did not improve: pick another epoch";
  EXPECT_EQ(read_progress(run + "/checkpoints/last.pt").best_epoch, 2);
  EXPECT_EQ(read_progress(run + "/checkpoints/best.pt").epoch, 1);
  // eval (which must not change a run) already reads the best weights from the pending file.
  const auto eval = test::run(kBinary + " eval " + run + " --split val");
  EXPECT_EQ(eval.exit_code, 0) << eval.output;
  EXPECT_NE(eval.output.find("best.pending-2.pt"), std::string::npos) << eval.output;
  // 3. Resumed (the rename is finished), killed in the middle of epoch 4.
  ASSERT_EQ(wait_exit(spawn({"train", "--resume", run}, "4:37")), 128 + SIGKILL);
  EXPECT_FALSE(fs::exists(run + "/checkpoints/best.pending-2.pt"));
  EXPECT_EQ(read_progress(run + "/checkpoints/last.pt").epoch, 3);
  // 4. Resumed to the end.
  ASSERT_EQ(wait_exit(spawn({"train", "--resume", run})), 0);
  ASSERT_EQ(status_of(run), "completed");
  EXPECT_EQ(resume_lines(run),
            (std::vector<std::string>{"resuming:  after epoch 2 of 6", "resuming:  after epoch 3 of 6"}));

  EXPECT_EQ(metrics_without_timing(run), metrics_without_timing(dir / "straight"));
  const auto a = weights_of(dir / "straight/checkpoints/last.pt");
  const auto b = weights_of(run + "/checkpoints/last.pt");
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i])) << "parameter " << i;
  const auto sa = nlohmann::json::parse(test::read_text(dir / "straight/summary.json"));
  const auto sb = nlohmann::json::parse(test::read_text(run + "/summary.json"));
  EXPECT_EQ(sa["test_acc"], sb["test_acc"]);
  EXPECT_EQ(sa["best_epoch"], sb["best_epoch"]);
  // best.pt is the epoch summary.json names, and the test line reports that epoch.
  EXPECT_EQ(read_progress(run + "/checkpoints/best.pt").epoch, sb["best_epoch"].get<int64_t>());
  EXPECT_NE(test::read_text(run + "/train.log").find("test (best epoch " + sb["best_epoch"].dump() + ")"),
            std::string::npos);
  // keep_last: 2 keeps the last two epoch checkpoints only.
  EXPECT_TRUE(fs::exists(run + "/checkpoints/epoch-6.pt"));
  EXPECT_TRUE(fs::exists(run + "/checkpoints/epoch-5.pt"));
  EXPECT_FALSE(fs::exists(run + "/checkpoints/epoch-4.pt"));
}

TEST(Resume, SigintMidEpochThenResumeStartsMidEpochAndIsBitForBitTheSame) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  test::write_text(dir / "c.yaml", kConfig);
  ASSERT_EQ(wait_exit(spawn({"train", dir / "c.yaml", "--out", dir / "straight"})), 0);
  const auto run = dir / "run";
  // SIGINT (as Ctrl-C) after step 10 of epoch 2: the step finishes, last.pt saves the exact
  // state, and the console says so as information, not as an error.
  const auto stopped =
      test::run("IMGCLS_TEST_KILL_AT=2:10:INT " + kBinary + " train " + dir / "c.yaml" + " --out " + run);
  ASSERT_EQ(stopped.exit_code, 130) << stopped.output;
  EXPECT_EQ(status_of(run), "interrupted");
  EXPECT_NE(stopped.output.find("\nimgcls: interrupted by SIGINT in epoch 2 after batch 10 of 75; "
                                "checkpoints/last.pt holds the exact state. Resume with: imgcls train --resume " +
                                run + "\n"),
            std::string::npos)
      << stopped.output;
  EXPECT_EQ(stopped.output.find("error"), std::string::npos) << stopped.output;
  EXPECT_NE(test::read_text(run + "/train.log").find("interrupted by SIGINT in epoch 2 after batch 10 of 75"),
            std::string::npos)
      << test::read_text(run + "/train.log");
  EXPECT_NE(test::read_text(run + "/train.log").find("imgcls train --resume " + run), std::string::npos);
  const auto at = read_progress(run + "/checkpoints/last.pt");
  EXPECT_EQ(at.epoch, 1);
  EXPECT_EQ(at.step, 10);

  // Temporary files a kill left in the middle of atomic writes are cleared on resume.
  test::write_text(run + "/metrics.csv.tmp.a1B2c3", "half");
  test::write_text(run + "/checkpoints/last.pt.tmp.Zz9Yy8", "half");
  const auto r = test::run(kBinary + " train --resume " + run);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(resume_lines(run), std::vector<std::string>{"resuming:  epoch 2 after batch 10 of 75"});
  EXPECT_FALSE(fs::exists(run + "/metrics.csv.tmp.a1B2c3"));
  EXPECT_FALSE(fs::exists(run + "/checkpoints/last.pt.tmp.Zz9Yy8"));
  EXPECT_EQ(status_of(run), "completed");
  // The same numbers and weights as the run never interrupted; one row per epoch.
  EXPECT_EQ(metrics_without_timing(run), metrics_without_timing(dir / "straight"));
  const auto a = weights_of(dir / "straight/checkpoints/last.pt");
  const auto b = weights_of(run + "/checkpoints/last.pt");
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i])) << "parameter " << i;

  // Extending the run: only train.epochs changes.
  const auto longer = test::run(kBinary + " train --resume " + run + " train.epochs=8");
  ASSERT_EQ(longer.exit_code, 0) << longer.output;
  const auto s = nlohmann::json::parse(test::read_text(run + "/summary.json"));
  EXPECT_EQ(s["epochs_run"], 8);
  std::istringstream rows(test::read_text(run + "/metrics.csv"));
  std::string line;
  std::getline(rows, line);
  for (int epoch = 1; epoch <= 8; ++epoch) {
    ASSERT_TRUE(std::getline(rows, line));
    EXPECT_EQ(line.substr(0, line.find(',')), std::to_string(epoch));
  }
  EXPECT_FALSE(std::getline(rows, line));

  // Resuming a finished run says so and changes nothing.
  const auto before = test::read_text(run + "/metrics.csv");
  const auto again = test::run(kBinary + " train --resume " + run + " train.epochs=8");
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.output.find("already finished"), std::string::npos) << again.output;
  EXPECT_EQ(test::read_text(run + "/metrics.csv"), before);

  // Changing what must not change is refused.
  const auto changed = test::run(kBinary + " train --resume " + run + " optimizer.lr=0.1");
  EXPECT_EQ(changed.exit_code, 2) << changed.output;
  EXPECT_EQ(changed.output.rfind("imgcls: error: --resume: the overrides change optimizer.lr (0.001 -> 0.1), which a "
                                 "resumed run must keep; only name, device",
                                 0),
            0u)
      << changed.output;
  // A config.yaml edited by hand no longer matches the checkpoint.
  auto text = test::read_text(run + "/config.yaml");
  text.replace(text.find("lr: 0.001"), 9, "lr: 0.002");
  test::write_text(run + "/config.yaml", text);
  const auto edited = test::run(kBinary + " train --resume " + run + " train.epochs=9");
  EXPECT_EQ(edited.exit_code, 4) << edited.output;
  EXPECT_NE(edited.output.find("was written for a different config"), std::string::npos) << edited.output;
}

// Whatever fails inside training (LibTorch, the standard library, a JSON parser), the run
// ends with status failed, one line on stderr and in train.log, exit 4, and last.pt intact.
TEST(Resume, EveryKindOfFailureIsRecordedAndResumable) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  test::write_text(dir / "c.yaml", kConfig);
  const std::vector<std::pair<std::string, std::string>> kinds = {
      {"throw-c10", "epoch 2 step 5: LibTorch: IMGCLS_TEST_KILL_AT: throw-c10"},
      {"throw-logic", "epoch 2 step 5: IMGCLS_TEST_KILL_AT: throw-logic"},
      {"throw-filesystem", "epoch 2 step 5: filesystem error: IMGCLS_TEST_KILL_AT: throw-filesystem"},
      {"throw-json", "epoch 2 step 5: [json.exception.parse_error"},
      {"throw-bad_alloc", "epoch 2 step 5: std::bad_alloc"}};
  for (const auto& [kind, expected] : kinds) {
    SCOPED_TRACE(kind);
    const auto run = dir / kind;
    const auto r = test::run("IMGCLS_TEST_KILL_AT=2:5:" + kind + " " + kBinary + " train " + dir / "c.yaml" +
                             " train.epochs=2 data.limit=600 --out " + run);
    EXPECT_EQ(r.exit_code, 4) << r.output;
    EXPECT_NE(r.output.find("imgcls: error: " + expected), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("terminate called"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("Exception raised from"), std::string::npos) << r.output;  // no LibTorch backtrace
    const auto s = nlohmann::json::parse(test::read_text(run + "/summary.json"));
    EXPECT_EQ(s["status"], "failed");
    EXPECT_NE(s["error"].get<std::string>().find(expected), std::string::npos) << s.dump();
    EXPECT_NE(test::read_text(run + "/train.log").find("error: " + expected), std::string::npos);
    EXPECT_EQ(read_progress(run + "/checkpoints/last.pt").epoch, 1);
  }
  const auto resumed = test::run(kBinary + " train --resume " + dir / "throw-c10");
  EXPECT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_EQ(status_of(dir / "throw-c10"), "completed");
}

TEST(Resume, BadResumeTargetsAreUsageErrors) {
  test::TempDir dir;
  auto r = test::run(kBinary + " train --resume " + dir / "nothing");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("not a run directory"), std::string::npos) << r.output;
  test::write_text(dir / "c.yaml", kConfig);
  r = test::run(kBinary + " train " + dir / "c.yaml" + " --resume " + dir.path());
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

TEST(Engine, UnwritableOutputIsAnIoError) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  test::write_text(dir / "c.yaml", kConfig);
  test::write_text(dir / "file", "not a folder");
  const auto r = test::run(kBinary + " train " + dir / "c.yaml" + " --out " + dir / "file/run");
  EXPECT_EQ(r.exit_code, 4) << r.output;
  EXPECT_NE(r.output.find(dir / "file/run"), std::string::npos) << r.output;
}

TEST(Engine, NonFiniteLossStopsWithEpochAndStep) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  test::write_text(dir / "c.yaml", kConfig);
  const auto r = test::run(kBinary + " train " + dir / "c.yaml" + " optimizer.name=sgd optimizer.lr=1e12 --out " +
                           dir / "run");
  EXPECT_EQ(r.exit_code, 4) << r.output;
  EXPECT_NE(r.output.find("imgcls: error: epoch 1 step "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(": loss is "), std::string::npos) << r.output;
  EXPECT_EQ(status_of(dir / "run"), "failed");
}

TEST(Engine, NonFiniteLossWithSkipBatchSkipsAndFinishes) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  test::write_text(dir / "c.yaml", kConfig);
  const auto r = test::run(kBinary + " train " + dir / "c.yaml" +
                           " optimizer.name=sgd optimizer.lr=1e12 train.on_nan=skip_batch train.epochs=1 --out " +
                           dir / "run");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("warning: epoch 1 step "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(": non-finite loss, batch skipped"), std::string::npos) << r.output;
  EXPECT_EQ(status_of(dir / "run"), "completed");
}

Config engine_config(const std::string& extra) {
  return parse_config(std::string(kConfig) + extra, "engine.yaml");
}

TEST(Engine, EarlyStoppingStopsAndSaysSo) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  // min_delta 10 on val_loss: nothing after the first epoch counts as an improvement.
  auto config = engine_config("");
  config.train.early_stopping = {"val_loss", "auto", 2, 10.0};
  config.model.dropout = 0;
  Trainer trainer(config, TrainerOptions{dir / "run", true, false});
  const auto s = trainer.train();
  EXPECT_EQ(s.status, "stopped_early");
  EXPECT_EQ(s.epochs_run, 3);
  EXPECT_EQ(s.best_epoch, 1);
  EXPECT_NE(test::read_text(dir / "run/train.log").find("early stopping: val_loss has not improved for 2 epochs"),
            std::string::npos);
}

TEST(Engine, GradAccumulationEqualsALargerBatch) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  // A deterministic model (no dropout, no BatchNorm) and SGD in fp32: 2 x 32 accumulated must
  // give the weights of batch 64 (the micro-batches are the halves of the same shuffled batch).
  auto small = engine_config("");
  small.train.amp = "none";
  small.model.dropout = 0;
  small.model.hidden = {64};
  small.optimizer.name = "sgd";
  small.optimizer.lr = 0.05;
  small.scheduler.name = "none";
  small.train.epochs = 1;
  small.data.limit = 1024;
  small.data.batch_size = 32;
  small.train.grad_accum_steps = 2;
  auto large = small;
  large.data.batch_size = 64;
  large.train.grad_accum_steps = 1;
  Trainer(small, TrainerOptions{dir / "small", true, false}).train();
  Trainer(large, TrainerOptions{dir / "large", true, false}).train();
  const auto load = [&](const std::string& path) {
    auto model = make_model(small, InputSpec{1, 28, 28, 10});
    load_checkpoint(path, *model, nullptr);
    return model->parameters();
  };
  const auto a = load(dir / "small/checkpoints/last.pt"), b = load(dir / "large/checkpoints/last.pt");
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::allclose(a[i], b[i], 1e-4, 1e-6)) << i;
  // ... and not merely because nothing moved.
  auto fresh = make_model(small, InputSpec{1, 28, 28, 10});
  EXPECT_FALSE(torch::allclose(a[0], fresh->parameters()[0]));
}

TEST(Engine, Fp16OnCpuWarnsAndTrainsInFullPrecision) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  auto config = engine_config("");
  config.train.amp = "fp16";
  config.train.epochs = 1;
  config.train.channels_last = "true";
  config.train.label_smoothing = 0.1;
  config.train.grad_clip_norm = 1.0;
  Trainer trainer(config, TrainerOptions{dir / "run", true, false});
  EXPECT_EQ(trainer.train().status, "completed");
  const auto log = test::read_text(dir / "run/train.log");
  EXPECT_NE(log.find("train.amp: fp16 needs CUDA"), std::string::npos);
  EXPECT_EQ(log.find(", amp "), std::string::npos) << log;  // the header names no amp
}

TEST(Engine, Bf16OnCpuTrainsUnderAutocastWithoutAWarning) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  auto config = engine_config("");
  config.train.amp = "bf16";
  config.train.epochs = 1;
  config.train.channels_last = "true";
  config.train.label_smoothing = 0.1;
  config.train.grad_clip_norm = 1.0;
  Trainer trainer(config, TrainerOptions{dir / "run", true, false});
  const auto s = trainer.train();
  EXPECT_EQ(s.status, "completed");
  EXPECT_TRUE(std::isfinite(s.test_loss));
  const auto log = test::read_text(dir / "run/train.log");
  EXPECT_EQ(log.find("needs CUDA"), std::string::npos) << log;
  EXPECT_NE(log.find(", amp bf16"), std::string::npos) << log;  // the header says what ran
  EXPECT_NE(log.find(", amp bf16 (CPU bf16 " + std::string(cpu_bf16().native() ? "native: " : "not native")),
            std::string::npos) << log;
}

// train.amp: auto on the CPU: bf16 where the processor has it natively, fp32 elsewhere; the
// header says which and why.
TEST(Engine, AmpAutoOnCpuSaysWhatItChose) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  auto config = engine_config("");
  config.train.amp = "auto";
  config.train.epochs = 1;
  config.data.limit = 256;
  config.data.val_split = 64;
  Trainer trainer(config, TrainerOptions{dir / "run", true, false});
  EXPECT_EQ(trainer.train().status, "completed");
  const auto log = test::read_text(dir / "run/train.log");
  const auto expected = cpu_bf16().native() ? ", amp bf16 (train.amp auto; CPU bf16 native: " + cpu_bf16().text() + ")"
                                            : std::string(", fp32 (train.amp auto: CPU bf16 not native)");
  EXPECT_NE(log.find(expected), std::string::npos) << log;
  EXPECT_EQ(log.find("needs CUDA"), std::string::npos) << log;
}

TEST(Engine, BackboneLrScaleZeroTrainsOnlyTheHead) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  auto config = engine_config("");
  config.model = ModelConfig{};
  config.model.name = "basic_cnn";
  config.optimizer.name = "sgd";
  config.optimizer.lr = 0.05;
  config.optimizer.backbone_lr_scale = 0;
  config.scheduler.name = "none";
  config.train.epochs = 1;
  config.data.limit = 600;
  torch::manual_seed(static_cast<uint64_t>(config.seed));
  auto initial = make_model(config, InputSpec{1, 28, 28, 10});
  Trainer(config, TrainerOptions{dir / "run", true, false}).train();
  auto trained = make_model(config, InputSpec{1, 28, 28, 10});
  load_checkpoint(dir / "run/checkpoints/last.pt", *trained, nullptr);
  const auto before = initial->named_parameters(), after = trained->named_parameters();
  EXPECT_TRUE(torch::equal(before["features.0.weight"], after["features.0.weight"]));
  EXPECT_TRUE(torch::equal(before["features.3.bias"], after["features.3.bias"]));
  EXPECT_FALSE(torch::equal(before["classifier.3.weight"], after["classifier.3.weight"]));
}

TEST(Engine, SchedulerLrIsLoggedPerEpoch) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  auto config = engine_config("");
  config.scheduler.name = "step";
  config.scheduler.step_size = 1;
  config.scheduler.gamma = 0.5;
  config.train.epochs = 3;
  config.data.limit = 600;
  Trainer(config, TrainerOptions{dir / "run", true, false}).train();
  const auto csv = test::read_text(dir / "run/metrics.csv");
  EXPECT_NE(csv.find("\n1,0.001,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\n2,0.0005,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\n3,0.00025,"), std::string::npos) << csv;
}

}  // namespace
}  // namespace imgcls
