// The sweep runner with stand-in trials (shell scripts in place of `imgcls train`): an
// exception while trials run stops and reaps them before it propagates.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <filesystem>

#include "imgcls/errors.hpp"
#include "sweep/runner.hpp"
#include "test_util.hpp"

namespace imgcls {
namespace {
namespace fs = std::filesystem;

SweepSpec two_trials() {
  SweepSpec spec;
  spec.name = "s";
  spec.trials.resize(2);
  spec.trials[0].name = "a";
  spec.trials[1].name = "b";
  return spec;
}

// Runs two trials at a time in dir/sweep with a stand-in for the imgcls binary: a trial that
// runs (20 s) until it is signalled.
RunnerOptions sleeping_trials(const test::TempDir& dir) {
  RunnerOptions o;
  o.binary = dir / "fake-imgcls";
  test::write_text(o.binary, "#!/bin/sh\nexec sleep 20\n");
  ::chmod(o.binary.c_str(), 0755);
  o.sweep_dir = dir / "sweep";
  o.jobs = 2;
  return o;
}

// True when this process has no child left, running or unreaped.
bool no_children() {
  int status = 0;
  return ::waitpid(-1, &status, WNOHANG) < 0 && errno == ECHILD;
}

TEST(SweepRunner, AThrowingChangeCallbackStopsAndReapsTheRunningTrials) {
  test::TempDir dir;
  auto o = sleeping_trials(dir);
  o.on_change = [](const std::vector<TrialOutcome>&) { throw IoError("leaderboard.csv: disk full"); };
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(test::message_of<IoError>([&] { run_trials(two_trials(), o); }), "leaderboard.csv: disk full");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));  // not the trial's 20 s
  EXPECT_TRUE(no_children()) << "a trial still runs after the runner threw";
  while (!no_children()) ::waitpid(-1, nullptr, 0);  // without the fix: reap what was left
}

TEST(SweepRunner, ATrialThatCannotStartStopsTheOnesAlreadyRunning) {
  test::TempDir dir;
  const auto o = sleeping_trials(dir);
  // The second trial's log cannot be opened (it is a folder): its spawn fails.
  fs::create_directories(dir / "sweep/logs/b.log");
  const auto e = test::message_of<IoError>([&] { run_trials(two_trials(), o); });
  EXPECT_NE(e.find("cannot start a trial process"), std::string::npos) << e;
  EXPECT_TRUE(no_children()) << "trial 'a' still runs after the runner threw";
  while (!no_children()) ::waitpid(-1, nullptr, 0);
}

}  // namespace
}  // namespace imgcls
