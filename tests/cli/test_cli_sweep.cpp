// `imgcls sweep`: grid and variant expansion and naming, validation before anything runs,
// trials run two at a time with a failing one among them, the leaderboard, a re-run that
// skips finished trials and resumes an interrupted one, the slurm script and --collect;
// SIGINT / SIGTERM end a sweep with trials still queued; a re-run with other settings is
// refused, or restarts exactly the changed trials.
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <sstream>
#include <thread>

#include "imgcls/errors.hpp"
#include "sweep/sweep_spec.hpp"
#include "test_util.hpp"

namespace imgcls {
namespace {
namespace fs = std::filesystem;

const std::string kBinary = IMGCLS_BINARY;
const std::string kSource = IMGCLS_SOURCE_DIR;

void write_base(const test::TempDir& dir) {
  test::write_text(dir / "base.yaml", "name: base\nseed: 1\ndevice: cpu\n"
                                      "data: {dataset: fashion_mnist, limit: 256, val_split: 64, batch_size: 32}\n"
                                      "model: {name: mlp, hidden: [32]}\n"
                                      "train: {epochs: 2}\n");
}

TEST(SweepSpec, ExpandsTheGridCrossedWithVariantsAndNamesTrials) {
  test::TempDir dir;
  write_base(dir);
  fs::create_directories(dir / "sweeps");
  test::write_text(dir / "sweeps/s.yaml", "base: ../base.yaml\n"
                                          "fixed: {train.epochs: 3}\n"
                                          "grid:\n  model.hidden: [[64, 32], [16]]\n  data.batch_size: [32, 64, 128]\n"
                                          "variants:\n"
                                          "  - {name: adam, set: {optimizer.name: adam, optimizer.lr: 0.001}}\n"
                                          "  - {name: sgd, set: {optimizer.name: sgd, optimizer.lr: 0.01}}\n");
  const auto spec = load_sweep(dir / "sweeps/s.yaml", {"seed=5"});
  EXPECT_EQ(spec.name, "s");
  EXPECT_EQ(spec.base, dir / "base.yaml");
  ASSERT_EQ(spec.trials.size(), 12u);
  EXPECT_EQ(spec.trials[0].name, "adam_hidden-64x32_batch_size-32");
  EXPECT_EQ(spec.trials[1].name, "adam_hidden-64x32_batch_size-64");  // the last key varies fastest
  EXPECT_EQ(spec.trials[3].name, "adam_hidden-16_batch_size-32");
  EXPECT_EQ(spec.trials[6].name, "sgd_hidden-64x32_batch_size-32");
  const auto& t = spec.trials[11];
  EXPECT_EQ(t.config.optimizer.name, "sgd");
  EXPECT_DOUBLE_EQ(t.config.optimizer.lr, 0.01);
  EXPECT_EQ(t.config.model.hidden, (std::vector<int64_t>{16}));
  EXPECT_EQ(t.config.data.batch_size, 128);
  EXPECT_EQ(t.config.train.epochs, 3);  // fixed
  EXPECT_EQ(t.config.seed, 5);          // command-line override
  EXPECT_EQ(t.config.name, "s.sgd_hidden-16_batch_size-128");
  EXPECT_EQ(name_part("[512, 256]"), "512x256");
  EXPECT_EQ(name_part("a/b c"), "a-bc");
}

// Issue 19 (security): a variant named to lead out of the sweep folder is one line, exit 2,
// and nothing is created outside --out (tests/sweep/test_sweep_spec.cpp has the rules).
TEST(SweepSpec, AVariantNameWithDotDotIsRefusedFromTheCommandLine) {
  test::TempDir dir;
  write_base(dir);
  test::write_text(dir / "s.yaml", "base: base.yaml\nvariants:\n  - {name: ../escaped, set: {seed: 3}}\n");
  const auto r = test::run(kBinary + " sweep " + dir / "s.yaml --dry-run --out " + dir / "out");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(r.output, "imgcls: error: " + dir / "s.yaml" +
                          ":3: variants[0].name: '../escaped': a trial folder's name cannot contain '/' or '..'\n");
  EXPECT_FALSE(fs::exists(dir / "escaped"));
  EXPECT_FALSE(fs::exists(dir / "out"));
}

// A variant keeps its name as its folder (baseline_cnn, not baseline-cnn), and relative paths
// in the sweep file are relative to it, as the base config's are to the base (issue 22).
TEST(SweepSpec, VariantNamesStayAndPathsAreRelativeToTheSweepFile) {
  test::TempDir dir;
  fs::create_directories(dir / "sweeps");
  test::write_text(dir / "base.yaml", "data: {dataset: image_folder, root: photos}\nmodel: {name: mlp}\n");
  test::write_text(dir / "sweeps/s.yaml", "base: ../base.yaml\n"
                                          "variants:\n"
                                          "  - {name: baseline_cnn, set: {model.name: baseline_cnn}}\n"
                                          "  - {name: ts, set: {model.name: torchscript, model.path: nets/r.pt}}\n");
  const auto spec = load_sweep(dir / "sweeps/s.yaml");
  ASSERT_EQ(spec.trials.size(), 2u);
  EXPECT_EQ(spec.trials[0].name, "baseline_cnn");
  EXPECT_EQ(spec.trials[0].config.data.root, dir / "photos");  // the base config's folder
  EXPECT_EQ(spec.trials[1].config.model.path, dir / "sweeps/nets/r.pt");
  EXPECT_EQ(name_part("baseline_cnn"), "baseline_cnn");
  // Command-line overrides stay relative to the current directory.
  EXPECT_EQ(load_sweep(dir / "sweeps/s.yaml", {"data.root=elsewhere"}).trials[0].config.data.root,
            (fs::current_path() / "elsewhere").string());
}

TEST(SweepSpec, RejectsBadSweepsNamingFileLineTrialAndKey) {
  test::TempDir dir;
  write_base(dir);
  const auto error = [&](const std::string& text) {
    test::write_text(dir / "s.yaml", text);
    return test::message_of<ConfigError>([&] { load_sweep(dir / "s.yaml"); });
  };
  auto e = error("base: base.yaml\ngrid: {model.pooling: [max], optimizer.lrr: [0.1]}\n");
  EXPECT_NE(e.find("trial 'pooling-max_lrr-0.1'"), std::string::npos) << e;
  EXPECT_NE(e.find("optimizer.lrr: unknown key; did you mean 'optimizer.lr'?"), std::string::npos) << e;
  e = error("base: base.yaml\ngrid: {optimizer.lr: [0.1, -1]}\n");
  EXPECT_NE(e.find("trial 'lr--1'"), std::string::npos) << e;
  EXPECT_NE(e.find("optimizer.lr"), std::string::npos) << e;
  e = error("base: base.yaml\ngrid:\n  optimizer.lr: [0.1]\n  optimizer.lr: [0.2]\n");
  EXPECT_NE(e.find("s.yaml:4: grid.optimizer.lr: duplicate key (first given at line 3)"), std::string::npos) << e;
  e = error("base: base.yaml\ngrid: {optimizer.lr: 0.1}\n");
  EXPECT_NE(e.find("s.yaml:2: grid.optimizer.lr: expected a non-empty list"), std::string::npos) << e;
  e = error("base: base.yaml\ngird: {optimizer.lr: [0.1]}\n");
  EXPECT_NE(e.find("gird: unknown sweep key"), std::string::npos) << e;
  e = error("base: nowhere.yaml\ngrid: {optimizer.lr: [0.1]}\n");
  EXPECT_NE(e.find("base: '"), std::string::npos) << e;
  e = error("base: {a: 1}\ngrid: {optimizer.lr: [0.1]}\n");
  EXPECT_NE(e.find("s.yaml:1: base: expected a string"), std::string::npos) << e;
  e = error("base: base.yaml\n");
  EXPECT_NE(e.find("nothing to sweep"), std::string::npos) << e;
  e = error("base: base.yaml\nvariants:\n  - {name: a, set: {optimizer.lr: 0.1}}\n  - {name: a, set: {}}\n");
  EXPECT_NE(e.find("'a' is used twice"), std::string::npos) << e;
}

TEST(CliSweep, RunsTwoAtATimeRecordsAFailureResumesAndCollects) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "Fashion-MNIST not installed";
  test::TempDir dir;
  write_base(dir);
  // Three trials; lr 1e30 makes the loss non-finite: that trial fails (exit 4), the others go on.
  test::write_text(dir / "s.yaml", "base: base.yaml\nname: study\ngrid: {optimizer.lr: [0.003, 1e30, 0.001]}\n");
  const auto out = dir / "out";

  const auto dry = test::run(kBinary + " sweep " + dir / "s.yaml --dry-run --out " + out);
  ASSERT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_NE(dry.output.find("3 trials"), std::string::npos) << dry.output;
  EXPECT_NE(dry.output.find("lr-1e30"), std::string::npos) << dry.output;
  EXPECT_FALSE(fs::exists(out));

  const auto r = test::run(kBinary + " sweep " + dir / "s.yaml --jobs 2 --out " + out);
  EXPECT_EQ(r.exit_code, 4) << r.output;  // one trial failed
  EXPECT_NE(r.output.find("1 of 3 trials failed"), std::string::npos) << r.output;
  // Two at a time: the second trial starts before the first one ends.
  const auto first_end = std::min(r.output.find(": finished"), r.output.find(": FAILED"));
  EXPECT_LT(r.output.find("lr-1e30: started"), first_end) << r.output;
  const auto board = test::read_text(out + "/leaderboard.csv");
  const auto lines = test::lines_of(board);
  ASSERT_EQ(lines.size(), 4u) << board;
  EXPECT_EQ(lines[0].rfind("trial,optimizer.lr,best_val_acc,best_epoch,test_acc,epochs_run", 0), 0u)
      << lines[0];
  EXPECT_NE(lines[3].find("lr-1e30"), std::string::npos) << board;  // the failed trial last
  EXPECT_NE(lines[3].find("failed"), std::string::npos) << board;
  EXPECT_NE(lines[3].find("epoch 1 step "), std::string::npos) << board;  // the trial's own error line
  EXPECT_NE(lines[3].find("loss is"), std::string::npos) << board;
  // The finished trials are sorted by best val acc, and agree with their summaries.
  double previous = 2;
  for (int i = 1; i <= 2; ++i) {
    const auto trial = lines[static_cast<std::size_t>(i)].substr(0, lines[static_cast<std::size_t>(i)].find(','));
    const auto s = nlohmann::json::parse(test::read_text(out + "/" + trial + "/summary.json"));
    EXPECT_EQ(s["status"], "completed");
    const double best = s["best_val_acc"].get<double>();
    EXPECT_LE(best, previous);
    previous = best;
    EXPECT_NE(lines[static_cast<std::size_t>(i)].find(",completed,"), std::string::npos);
    EXPECT_EQ(s["threads"], std::max(1u, std::thread::hardware_concurrency() / 2));  // cores / jobs
  }
  EXPECT_FALSE(cv::imread(out + "/comparison.png").empty());
  EXPECT_NE(test::read_text(out + "/leaderboard.md").find("| rank | trial | optimizer.lr |"), std::string::npos);

  // Rerun after losing one trial's folder: finished trials are skipped, the missing one runs
  // again (an interrupted one resumes: next test).
  fs::remove_all(out + "/lr-0.001");
  const auto again = test::run(kBinary + " sweep " + dir / "s.yaml --jobs 2 --out " + out);
  EXPECT_EQ(again.exit_code, 4) << again.output;
  EXPECT_NE(again.output.find("lr-0.003: finished earlier, skipped"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("lr-0.001: started"), std::string::npos) << again.output;
  EXPECT_TRUE(fs::exists(out + "/lr-0.001/summary.json"));

  // --collect rebuilds the same leaderboard from the folders.
  const auto before = test::read_text(out + "/leaderboard.csv");
  fs::remove(out + "/leaderboard.csv");
  const auto collect = test::run(kBinary + " sweep " + dir / "s.yaml --out " + out + " --collect");
  ASSERT_EQ(collect.exit_code, 0) << collect.output;
  EXPECT_EQ(test::read_text(out + "/leaderboard.csv"), before);

  // --emit slurm: a well-formed array script over the trial list.
  const auto emit = test::run(kBinary + " sweep " + dir / "s.yaml --out " + dir / "cluster --emit slurm");
  ASSERT_EQ(emit.exit_code, 0) << emit.output;
  const auto script = test::read_text(dir / "cluster/sweep.sbatch");
  EXPECT_NE(script.find("#SBATCH --array=0-2"), std::string::npos) << script;
  EXPECT_EQ(test::run("bash -n " + dir / "cluster/sweep.sbatch").exit_code, 0);
  EXPECT_EQ(test::read_text(dir / "cluster/trials.txt"), "lr-0.003\nlr-1e30\nlr-0.001\n");
  EXPECT_TRUE(fs::exists(dir / "cluster/configs/lr-1e30.yaml"));
  // An array task as the cluster would run it, then --collect there.
  const auto task = test::run("SLURM_ARRAY_TASK_ID=0 SLURM_CPUS_PER_TASK=1 bash " + dir / "cluster/sweep.sbatch");
  ASSERT_EQ(task.exit_code, 0) << task.output;
  const auto c2 = test::run(kBinary + " sweep " + dir / "s.yaml --out " + dir / "cluster --collect");
  ASSERT_EQ(c2.exit_code, 0) << c2.output;
  EXPECT_NE(test::read_text(dir / "cluster/leaderboard.csv").find("lr-0.003,0.003,"), std::string::npos);
}

// --emit slurm --gpus-per-trial N: each array task runs its trial data-parallel through srun.
// Here a stand-in srun starts the N processes as SLURM would (SLURM_PROCID, SLURM_NTASKS,
// SLURM_LOCALID), on the CPU.
TEST(CliSweep, SlurmTrialsOnSeveralGpusRunDataParallelUnderSrun) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "Fashion-MNIST not installed";
  test::TempDir dir;
  write_base(dir);
  test::write_text(dir / "s.yaml", "base: base.yaml\nfixed: {train.epochs: 1, threads: 1, data.workers: 0}\n"
                                   "grid: {optimizer.lr: [0.002]}\n");
  const auto usage = test::run(kBinary + " sweep " + dir / "s.yaml --gpus-per-trial 2 --out " + dir / "local");
  EXPECT_EQ(usage.exit_code, 2) << usage.output;
  EXPECT_NE(usage.output.find("--gpus-per-trial: only with --emit slurm"), std::string::npos) << usage.output;
  const auto emit =
      test::run(kBinary + " sweep " + dir / "s.yaml --out " + dir / "cluster --emit slurm --gpus-per-trial 2");
  ASSERT_EQ(emit.exit_code, 0) << emit.output;
  EXPECT_NE(emit.output.find("(1 array tasks, 2 GPU(s) each)"), std::string::npos) << emit.output;
  const auto script = test::read_text(dir / "cluster/sweep.sbatch");
  for (const auto* line : {"#SBATCH --nodes=1\n", "#SBATCH --ntasks-per-node=2\n", "#SBATCH --gpus-per-task=1\n",
                           "exec srun --kill-on-bad-exit=1 \"$IMGCLS\" train "})
    EXPECT_NE(script.find(line), std::string::npos) << line << " in\n" << script;
  EXPECT_EQ(test::run("bash -n " + dir / "cluster/sweep.sbatch").exit_code, 0);
  // A stand-in for srun: the command once per task, with SLURM's per-task variables.
  fs::create_directories(dir / "bin");
  test::write_text(dir / "bin/srun",
                   "#!/bin/bash\nwhile [[ $1 == --* ]]; do shift; done\npids=()\n"
                   "for i in 0 1; do SLURM_PROCID=$i SLURM_LOCALID=$i \"$@\" > \"$SLURM_LOG.$i\" 2>&1 & pids+=($!); done\n"
                   "status=0\nfor p in \"${pids[@]}\"; do wait $p || status=1; done\nexit $status\n");
  fs::permissions(dir / "bin/srun", fs::perms::owner_all);
  const auto task = test::run("PATH=" + dir / "bin" + ":$PATH SLURM_LOG=" + dir / "task" +
                              " SLURM_ARRAY_TASK_ID=0 SLURM_NTASKS=2 SLURM_NNODES=1 SLURM_NTASKS_PER_NODE=2 "
                              "SLURM_CPUS_PER_TASK=1 MASTER_ADDR=127.0.0.1 MASTER_PORT=" +
                              std::to_string(test::free_port()) + " bash " + dir / "cluster/sweep.sbatch");
  ASSERT_EQ(task.exit_code, 0) << task.output << test::read_text(dir / "task.0") << test::read_text(dir / "task.1");
  const auto s = nlohmann::json::parse(test::read_text(dir / "cluster/lr-0.002/summary.json"));
  EXPECT_EQ(s["status"], "completed");
  EXPECT_EQ(s["world_size"], 2);
  EXPECT_EQ(s["global_batch"], 64);
  EXPECT_EQ(s["distributed"]["launcher"], "slurm");
}

TEST(CliSweep, ResumesAnInterruptedTrialExactly) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "Fashion-MNIST not installed";
  test::TempDir dir;
  write_base(dir);
  // One thread: with two, MKL's products may differ in the last bit between any two processes
  // (README "Resume, exactly"), interrupted or not; this test is about the resume.
  test::write_text(dir / "s.yaml", "base: base.yaml\nfixed: {train.epochs: 6, data.limit: 1024, threads: 1}\n"
                                   "grid: {optimizer.lr: [0.002]}\n");
  const auto out = dir / "out";
  // A reference: the same trial run without interruption.
  const auto ref = test::run(kBinary + " sweep " + dir / "s.yaml --out " + dir / "ref");
  ASSERT_EQ(ref.exit_code, 0) << ref.output;

  // Start the sweep, SIGINT it once the trial has a checkpoint, then run it again.
  const pid_t pid = test::start(kBinary + " sweep " + dir / "s.yaml --out " + out, dir / "first.log");
  test::wait_until([&] { return fs::exists(out + "/lr-0.002/checkpoints/last.pt"); }, 30);
  ::kill(pid, SIGINT);
  const int code = test::wait_exit(pid, 30);
  if (code < 0) test::stop(pid);
  EXPECT_EQ(code, 130) << test::read_text(dir / "first.log");
  const auto first = test::read_text(dir / "first.log");
  const auto second = test::run(kBinary + " sweep " + dir / "s.yaml --out " + out);
  ASSERT_EQ(second.exit_code, 0) << first << second.output;
  EXPECT_NE(first.find("lr-0.002: interrupted (resumable)"), std::string::npos) << first;
  EXPECT_NE(second.output.find("lr-0.002: resuming from its last checkpoint"), std::string::npos) << second.output;
  // Exact resume: the same metrics as the uninterrupted reference (timings aside).
  EXPECT_EQ(test::metrics_without_timing(out + "/lr-0.002"), test::metrics_without_timing(dir / "ref/lr-0.002"));
  const auto a = nlohmann::json::parse(test::read_text(out + "/lr-0.002/summary.json"));
  const auto b = nlohmann::json::parse(test::read_text(dir / "ref/lr-0.002/summary.json"));
  EXPECT_EQ(a["best_val_acc"], b["best_val_acc"]);
  EXPECT_EQ(a["test_acc"], b["test_acc"]);
}

TEST(CliSweep, SigintAndSigtermEndASweepWithTrialsStillQueued) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "Fashion-MNIST not installed";
  test::TempDir dir;
  write_base(dir);
  // Two trials, one at a time, each far longer than the test: the second is queued when the
  // signal comes.
  test::write_text(dir / "s.yaml", "base: base.yaml\nfixed: {train.epochs: 10000}\n"
                                   "grid: {optimizer.lr: [0.002, 0.001]}\n");
  const auto out = dir / "out";
  for (const int sig : {SIGINT, SIGTERM}) {
    const auto log = dir / ("sweep-" + std::to_string(sig) + ".log");
    const pid_t pid = test::start(kBinary + " sweep " + dir / "s.yaml --out " + out, log);
    // The first trial runs (it has saved a checkpoint) before the sweep gets the signal.
    const bool running = test::wait_until(
        [&] { return fs::exists(out + "/lr-0.002/checkpoints/last.pt") && test::read_text(log).find("lr-0.002: ") !=
                                                                                 std::string::npos; },
        60);
    if (sig == SIGTERM) std::this_thread::sleep_for(std::chrono::milliseconds(300));  // resumed, training again
    ::kill(pid, sig);
    const int code = test::wait_exit(pid, 20);
    if (code < 0) test::stop(pid);
    EXPECT_TRUE(running) << test::read_text(log);
    EXPECT_EQ(code, 128 + sig) << test::read_text(log);
    const auto text = test::read_text(log);
    EXPECT_NE(text.find("lr-0.002: interrupted (resumable)"), std::string::npos) << text;
    EXPECT_EQ(text.find("lr-0.001: started"), std::string::npos) << text;  // no new trial after the signal
    EXPECT_NE(text.find("run the same command again to resume"), std::string::npos) << text;
  }
}

TEST(CliSweep, ARerunWithOtherSettingsIsRefusedOrRestartsTheChangedTrials) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "Fashion-MNIST not installed";
  test::TempDir dir;
  write_base(dir);
  test::write_text(dir / "s.yaml", "base: base.yaml\nfixed: {train.epochs: 1}\n"
                                   "grid: {optimizer.lr: [0.002, 0.001]}\n");
  const auto out = dir / "out";
  const auto sweep = kBinary + " sweep " + dir / "s.yaml --out " + out;
  const auto first = test::run(sweep + " data.limit=200");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(test::read_text(out + "/leaderboard.md").find("data.limit=200`"), std::string::npos)
      << test::read_text(out + "/leaderboard.md");  // the command, overrides included

  // Another command-line override: refused, in one line naming the trial and the key.
  const auto configs_before = test::read_text(out + "/configs/lr-0.002.yaml");
  const auto refused = test::run(sweep + " data.limit=256");
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("imgcls: error: sweep: " + out + ": trial 'lr-0.002' ran with other settings "
                                "(data.limit: 200 -> 256); trial 'lr-0.001' ran with other settings (data.limit: 200 "
                                "-> 256)"),
            std::string::npos)
      << refused.output;
  EXPECT_NE(refused.output.find("--restart-changed"), std::string::npos) << refused.output;
  EXPECT_EQ(std::count(refused.output.begin(), refused.output.end(), '\n'), 1) << refused.output;
  EXPECT_EQ(test::read_text(out + "/configs/lr-0.002.yaml"), configs_before);  // what ran stays recorded
  // The sweep file's `fixed` changed for every trial: also refused.
  test::write_text(dir / "s.yaml", "base: base.yaml\nfixed: {train.epochs: 1, optimizer.weight_decay: 0.1}\n"
                                   "grid: {optimizer.lr: [0.002, 0.001]}\n");
  const auto refused2 = test::run(sweep + " data.limit=200");
  EXPECT_EQ(refused2.exit_code, 2) << refused2.output;
  EXPECT_NE(refused2.output.find("(optimizer.weight_decay: 0 -> 0.1)"), std::string::npos) << refused2.output;
  // The dry run says which trials changed.
  const auto dry = test::run(sweep + " data.limit=200 --dry-run");
  EXPECT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_NE(dry.output.find("ran with other settings: optimizer.weight_decay"), std::string::npos) << dry.output;

  // Only one trial differs (the other one's folder is gone): --restart-changed restarts it
  // and starts the missing one; nothing is skipped with old settings.
  test::write_text(dir / "s.yaml", "base: base.yaml\nfixed: {train.epochs: 1}\n"
                                   "grid: {optimizer.lr: [0.002, 0.001]}\n");
  fs::remove_all(out + "/lr-0.001");
  const auto restarted = test::run(sweep + " data.limit=256 --restart-changed");
  ASSERT_EQ(restarted.exit_code, 0) << restarted.output;
  EXPECT_NE(restarted.output.find("lr-0.002: restarted (its settings changed)"), std::string::npos)
      << restarted.output;
  EXPECT_NE(restarted.output.find("lr-0.001: started"), std::string::npos) << restarted.output;
  EXPECT_EQ(restarted.output.find("skipped"), std::string::npos) << restarted.output;
  for (const auto* trial : {"lr-0.002", "lr-0.001"}) {
    const auto ran = test::read_text(out + "/" + trial + "/config.yaml");
    EXPECT_NE(ran.find("limit: 256"), std::string::npos) << trial << "\n" << ran;
  }
  // The same command again: nothing changed, every trial is skipped; other --jobs do not count.
  const auto again = test::run(sweep + " data.limit=256 --jobs 2");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("lr-0.002: finished earlier, skipped"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("lr-0.001: finished earlier, skipped"), std::string::npos) << again.output;
}

// --dry-run checks each trial as far as it can without training (data splits, files, the
// model) and says, per trial, what its run would get or why it would fail.
TEST(CliSweep, DryRunChecksEveryTrialWithoutTraining) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "Fashion-MNIST not installed";
  test::TempDir dir;
  write_base(dir);
  test::write_text(dir / "s.yaml", "base: base.yaml\ngrid: {data.val_split: [64, 1000]}\n");
  const auto out = dir / "out";
  const auto r = test::run(kBinary + " sweep " + dir / "s.yaml --dry-run --out " + out);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("ok: train 192, val 64, test 10000; 1x28x28, 10 classes; mlp, "), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("would fail: override 'data.val_split=1000': data.val_split: asks for 1000 validation "
                          "images but only 256 training images are available (data.limit=256); hold out a fraction "
                          "instead, e.g. data.val_split=0.2 (51 images)"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("imgcls: error: sweep --dry-run: 1 of 2 trials would fail (see above)"), std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(out));  // nothing written, nothing trained

  // A missing data root and a missing backbone file: per trial, the first one's exit code (data: 3).
  const auto fixture = kSource + "/tests/fixtures/tiny_backbone_1ch.pt";
  test::write_text(dir / "t.yaml",
                   "base: base.yaml\nvariants:\n"
                   "  - {name: elsewhere, set: {data.root: " +
                       dir / "nowhere" +
                       "}}\n"
                       "  - {name: ts, set: {model.name: torchscript, model.path: " +
                       dir / "none.pt" + "}}\n  - {name: tiny, set: {model.name: torchscript, model.path: " + fixture +
                       "}}\n");
  const auto t = test::run(kBinary + " sweep " + dir / "t.yaml --dry-run --out " + out);
  EXPECT_EQ(t.exit_code, 3) << t.output;
  const auto lines = test::lines_of(t.output);
  const auto verdict = [&](const std::string& trial) {  // under the trial's line, after its warnings
    for (std::size_t i = 0; i < lines.size(); ++i)
      if (lines[i].rfind("  " + trial + " ", 0) == 0)
        for (std::size_t k = i + 1; k < lines.size(); ++k)
          if (lines[k].rfind("      warning: ", 0) != 0) return lines[k];
    return std::string();
  };
  EXPECT_NE(verdict("elsewhere").find("would fail: "), std::string::npos) << t.output;
  EXPECT_NE(verdict("elsewhere").find(dir / "nowhere"), std::string::npos) << t.output;
  EXPECT_NE(verdict("ts").find("would fail: override 'model.path=" + dir / "none.pt" + "': model.path: '" +
                               dir / "none.pt" + "' does not exist"),
            std::string::npos)
      << t.output;
  EXPECT_NE(verdict("tiny").find("ok: train 192, val 64"), std::string::npos) << t.output;
  EXPECT_NE(t.output.find("2 of 3 trials would fail"), std::string::npos) << t.output;

  // All fine: exit 0. A variant that switches a TorchScript base to basic_cnn drops the
  // backbone's keys, with a warning (they would be an error in the file itself).
  test::write_text(dir / "ts.yaml",
                   "name: ts\nseed: 1\ndevice: cpu\n"
                   "data: {dataset: fashion_mnist, limit: 256, val_split: 64}\n"
                   "model: {name: torchscript, path: " +
                       fixture + ", freeze_backbone: true}\n");
  test::write_text(dir / "u.yaml",
                   "base: ts.yaml\nvariants:\n  - {name: frozen, set: {optimizer.lr: 0.001}}\n"
                   "  - {name: cnn, set: {model.name: basic_cnn}}\n");
  const auto u = test::run(kBinary + " sweep " + dir / "u.yaml --dry-run --out " + out);
  EXPECT_EQ(u.exit_code, 0) << u.output;
  EXPECT_NE(u.output.find("warning: override 'model.name=basic_cnn': ignoring model.path (" + dir / "ts.yaml" +
                          ":5), model.freeze_backbone (" + dir / "ts.yaml" + ":5): basic_cnn does not take them"),
            std::string::npos)
      << u.output;
  EXPECT_NE(u.output.find("dry run: all 2 trials can start"), std::string::npos) << u.output;
}

// A sweep shows each trial's epochs as they finish, and logs/<trial>.log keeps the trial's
// whole output, for a successful trial too.
TEST(CliSweep, ShowsEachTrialsEpochsAndKeepsItsLog) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "Fashion-MNIST not installed";
  test::TempDir dir;
  write_base(dir);
  test::write_text(dir / "s.yaml", "base: base.yaml\ngrid: {optimizer.lr: [0.002]}\n");
  const auto out = dir / "out";
  const auto r = test::run(kBinary + " sweep " + dir / "s.yaml --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto epoch1 = r.output.find("  lr-0.002: epoch 1/2  train loss ");
  const auto epoch2 = r.output.find("  lr-0.002: epoch 2/2  train loss ");
  const auto test_line = r.output.find("  lr-0.002: test (best epoch ");
  const auto finished = r.output.find("  lr-0.002: finished");
  EXPECT_NE(epoch1, std::string::npos) << r.output;
  EXPECT_LT(epoch1, epoch2) << r.output;
  EXPECT_LT(epoch2, test_line) << r.output;
  EXPECT_LT(test_line, finished) << r.output;
  const auto log = test::read_text(out + "/logs/lr-0.002.log");
  EXPECT_NE(log.find("data:      fashion_mnist"), std::string::npos) << log;  // the banner
  EXPECT_NE(log.find("epoch 2/2  train loss"), std::string::npos) << log;
  EXPECT_NE(log.find("total "), std::string::npos) << log;
}

}  // namespace
}  // namespace imgcls
