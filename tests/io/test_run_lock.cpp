// The run directory's lock: one holder at a time, named in the refusal, released with its
// holder (closing it, or the process dying: see tests/cli/test_cli_faults.cpp for SIGKILL).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "imgcls/errors.hpp"
#include "io/run_lock.hpp"
#include "test_util.hpp"

namespace imgcls {
namespace {

TEST(RunLock, ASecondHolderIsRefusedWithTheFirstOnesPid) {
  test::TempDir dir;
  RunLock first(dir.path());
  EXPECT_TRUE(first.held());
  // flock locks belong to an open file: a second RunLock conflicts even in this process.
  const auto refused = test::message_of<UsageError>([&] { RunLock second(dir.path()); });
  EXPECT_EQ(refused, dir.path() + ": in use by process " + std::to_string(::getpid()) + " (it holds " + dir.path() +
                         "/.lock); one run directory takes one imgcls train at a time: wait for it to end or stop it");
  EXPECT_EQ(test::message_of<UsageError>([&] { check_run_dir_unlocked(dir.path()); }), refused);
}

TEST(RunLock, ReleasedWhenItsHolderEndsOrMoves) {
  test::TempDir dir;
  {
    RunLock first(dir.path());
    RunLock moved(std::move(first));
    EXPECT_FALSE(first.held());
    EXPECT_TRUE(moved.held());
    EXPECT_THROW(RunLock(dir.path()), UsageError);
  }
  RunLock again(dir.path());  // the file stays, the lock does not
  EXPECT_TRUE(again.held());
}

TEST(RunLock, CheckingCreatesNothingAndAMissingFolderIsAnIoError) {
  test::TempDir dir;
  check_run_dir_unlocked(dir.path());
  check_run_dir_unlocked(dir / "missing");
  EXPECT_FALSE(std::filesystem::exists(dir / ".lock"));
  const auto message = test::message_of<IoError>([&] { RunLock lock(dir / "missing"); });
  EXPECT_NE(message.find(dir / "missing/.lock: cannot create the run directory's lock file: No such file"),
            std::string::npos)
      << message;
}

}  // namespace
}  // namespace imgcls
