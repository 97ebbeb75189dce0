// The command line itself, run as a user runs it: a misspelt command or option is named,
// with the closest one, and exits with the usage code (2).
#include <gtest/gtest.h>

#include <string>

#include "test_util.hpp"
#include "util/cpu_features.hpp"

namespace imgcls {
namespace {

const std::string kBinary = IMGCLS_BINARY;

TEST(CliUsage, AMisspeltCommandOrOptionIsNamedWithTheClosestOne) {
  struct Case {
    std::string args, message;
  };
  const std::vector<Case> cases = {
      {"trian cfg.yaml", "imgcls: error: unknown command 'trian'; did you mean 'train'?\n"},
      {"--verison", "imgcls: error: unknown option '--verison'; did you mean '--version'?\n"},
      {"evl runs/x", "imgcls: error: unknown command 'evl'; did you mean 'eval'?\n"},
      {"bench dta cfg.yaml", "imgcls: error: bench: unknown command 'dta'; did you mean 'data'?\n"},
      {"train cfg.yaml --quite", "imgcls: error: train: unknown option '--quite'; did you mean '--quiet'?\n"},
      {"sweep s.yaml --dryrun", "imgcls: error: sweep: unknown option '--dryrun'; did you mean '--dry-run'?\n"},
      // A config key given as a flag: said as the override it should be.
      {"train cfg.yaml --epochs 3",
       "imgcls: error: train: unknown option '--epochs'; config keys are set as KEY=VALUE: did you mean "
       "'train.epochs=...'?\n"},
      {"train cfg.yaml --seed=3", "imgcls: error: train: unknown option '--seed'; config keys are set as KEY=VALUE: "
                                  "'seed=...'\n"},
      {"frobnicate", "imgcls: error: unknown command 'frobnicate' (commands: train, models, summary, eval, predict, "
                     "plot, sweep, export, bench, data, lr-find)\n"},
      {"plot r1 --zzzzzz", "imgcls: error: plot: unknown option '--zzzzzz' (see imgcls plot --help)\n"},
  };
  for (const auto& c : cases) {
    const auto r = test::run(kBinary + " " + c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.output;
    EXPECT_EQ(r.output, c.message) << c.args;
  }
  // Known commands and options still reach their own errors.
  const auto r = test::run(kBinary + " train");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("give a CONFIG file"), std::string::npos) << r.output;
  EXPECT_EQ(test::run(kBinary + " --version").exit_code, 0);
}

// --version says whether the CPU computes bf16 natively (what train.amp: auto decides by).
TEST(CliUsage, VersionNamesTheCpuBf16Support) {
  const auto r = test::run(kBinary + " --version");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const auto& bf16 = cpu_bf16();
  const auto line = bf16.native() ? "CPU bf16: native, " + bf16.text() + "\n"
                                  : std::string("CPU bf16: not native\n");
  EXPECT_NE(r.output.find(line), std::string::npos) << r.output;
}

}  // namespace
}  // namespace imgcls
