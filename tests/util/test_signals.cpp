// StopSignals: a stop recorded for one run does not stop the next run in the same process.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>

#include "imgcls/io/atomic_file.hpp"
#include "test_util.hpp"
#include "util/signals.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace {

TEST(StopSignals, ASecondRunInTheSameProcessStartsUnstopped) {
  {
    StopSignals first;
    EXPECT_EQ(StopSignals::stop_requested(), 0);
    std::raise(SIGTERM);  // handled: recorded, the process goes on
    EXPECT_EQ(StopSignals::stop_requested(), SIGTERM);
  }
  StopSignals second;
  EXPECT_EQ(StopSignals::stop_requested(), 0);
}

// A second Ctrl-C exits at once (130), and the temporary file of a write in progress goes
// with it: no summary.json.tmp.* is left behind (issue 22).
TEST(StopSignals, ASecondSigintExitsAtOnceLeavingNoTemporaryFile) {
  test::TempDir dir;
  const pid_t pid = ::fork();
  if (pid == 0) {
    set_immediate_exit_cleanup(&unlink_temp_files_in_flight);
    StopSignals signals;
    AtomicFile file(dir / "summary.json");
    file.write("{\"status\": ");
    std::raise(SIGINT);  // the first: recorded
    std::raise(SIGINT);  // the second: exits here, mid-write
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) ADD_FAILURE() << "left " << entry.path();
}

TEST(Strings, CountTextSaysOneThingOrMany) {
  EXPECT_EQ(count_text(1, "class", "classes"), "1 class");
  EXPECT_EQ(count_text(5, "class", "classes"), "5 classes");
  EXPECT_EQ(count_text(1, "CPU thread"), "1 CPU thread");
  EXPECT_EQ(count_text(0, "CPU thread"), "0 CPU threads");
}

}  // namespace
}  // namespace imgcls
