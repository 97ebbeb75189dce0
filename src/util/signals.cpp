#include "util/signals.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>

namespace imgcls {
namespace {

std::atomic<int> g_signal{0};
std::atomic<void (*)()> g_exit_cleanup{nullptr};
struct sigaction g_old_int, g_old_term;

extern "C" void on_stop_signal(int sig) {
  int expected = 0;
  if (!g_signal.compare_exchange_strong(expected, sig) && sig == SIGINT) {
    static const char msg[] = "\nimgcls: second interrupt, exiting now\n";
    (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
    if (auto* cleanup = g_exit_cleanup.load()) cleanup();
    ::_exit(130);
  }
}

}  // namespace

StopSignals::StopSignals() {
  g_signal.store(0);  // a stop asked of an earlier run in this process is not this run's
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &g_old_int);
  sigaction(SIGTERM, &sa, &g_old_term);
}

StopSignals::~StopSignals() {
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
}

int StopSignals::stop_requested() { return g_signal.load(); }

void set_immediate_exit_cleanup(void (*cleanup)()) { g_exit_cleanup.store(cleanup); }

}  // namespace imgcls
