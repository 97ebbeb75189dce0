// StopSignals: a stop recorded for one run does not stop the next run in the same process.
#include <gtest/gtest.h>

#include <csignal>

#include "util/signals.hpp"

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

}  // namespace
}  // namespace imgcls
