// The console under concurrent use: loader workers warn while the training thread redraws
// the progress bar. Every warning must start a line of its own (after the bar is cleared),
// never be glued to the end of a progress bar, and train.log must get every line whole.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "test_util.hpp"
#include "util/console.hpp"

namespace imgcls {
namespace {

// stdout replaced by a raw pseudo-terminal (so the console draws its progress bar) whose
// output is collected by a reader thread; the old stdout comes back on destruction.
class PtyStdout {
 public:
  PtyStdout() {
    master_ = ::posix_openpt(O_RDWR | O_NOCTTY);
    if (master_ < 0 || ::grantpt(master_) != 0 || ::unlockpt(master_) != 0) return;
    const int slave = ::open(::ptsname(master_), O_RDWR | O_NOCTTY);
    if (slave < 0) return;
    termios t{};
    ::tcgetattr(slave, &t);
    ::cfmakeraw(&t);
    ::tcsetattr(slave, TCSANOW, &t);
    std::fflush(stdout);
    saved_ = ::dup(STDOUT_FILENO);
    ::dup2(slave, STDOUT_FILENO);
    ::close(slave);
    reader_ = std::thread([this] {
      char buf[4096];
      for (ssize_t n; text_.find(kEnd) == std::string::npos && (n = ::read(master_, buf, sizeof buf)) > 0;)
        text_.append(buf, static_cast<std::size_t>(n));
    });
  }
  bool ok() const { return saved_ >= 0; }
  // Restores stdout and returns what was written to the terminal.
  std::string finish() {
    if (saved_ < 0) return "";
    std::fputs(kEnd, stdout);  // the reader stops once it has read everything up to here
    std::fflush(stdout);
    reader_.join();
    ::dup2(saved_, STDOUT_FILENO);
    ::close(saved_);
    saved_ = -1;
    ::close(master_);
    return text_.substr(0, text_.find(kEnd));
  }
  ~PtyStdout() { finish(); }

 private:
  static constexpr const char* kEnd = "\n<end of test output>\n";
  int master_ = -1, saved_ = -1;
  std::thread reader_;
  std::string text_;
};

TEST(Console, WarningsFromWorkersNeverJoinTheProgressBar) {
  test::TempDir dir;
  PtyStdout pty;
  if (!pty.ok()) GTEST_SKIP() << "no pseudo-terminal available";
  constexpr int kThreads = 4, kWarnings = 1000, kRedraws = 10000;
  {
    Console console(dir / "train.log");
    ASSERT_TRUE(console.interactive());
    std::vector<std::thread> workers;
    for (int t = 0; t < kThreads; ++t)
      workers.emplace_back([&console, t] {
        for (int i = 0; i < kWarnings; ++i) console.warn("bad image " + std::to_string(t) + "/" + std::to_string(i));
      });
    for (int i = 0; i < kRedraws; ++i) console.progress("epoch 1 [" + std::to_string(i) + "]");
    for (auto& w : workers) w.join();
    console.clear_progress();
  }
  const auto out = pty.finish();
  int warnings = 0;
  for (std::size_t at = out.find("warning: "); at != std::string::npos; at = out.find("warning: ", at + 1)) {
    ++warnings;
    // A warning starts the output, follows a newline, or follows the sequence that erased the bar.
    const bool own_line = at == 0 || out[at - 1] == '\n' || (at >= 4 && out.compare(at - 4, 4, "\r\033[K") == 0);
    ASSERT_TRUE(own_line) << "a warning glued to the progress bar: ..." << out.substr(at < 40 ? 0 : at - 40, 80);
  }
  EXPECT_EQ(warnings, kThreads * kWarnings);
  const auto log = test::read_text(dir / "train.log");
  int logged = 0;
  for (std::size_t at = log.find("warning: bad image "); at != std::string::npos;
       at = log.find("warning: bad image ", at + 1))
    ++logged;
  EXPECT_EQ(logged, kThreads * kWarnings);
}

}  // namespace
}  // namespace imgcls
