// SIGINT / SIGTERM handling for long runs: the handler only records the signal; the
// training loop polls stop_requested() between steps, saves, and exits 130 / 143.
// A second SIGINT while a stop is pending exits the process at once (exit code 130).
#pragma once

namespace imgcls {

class StopSignals {
 public:
  StopSignals();   // installs the handlers; clears a stop recorded before
  ~StopSignals();  // restores the previous ones
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // 0 while no stop was asked for, else the signal number (2 or 15).
  static int stop_requested();
};

// What the second SIGINT runs just before it exits: must be async-signal-safe (main passes
// unlink_temp_files_in_flight, so the exit leaves no half-written temporary files).
void set_immediate_exit_cleanup(void (*cleanup)());

}  // namespace imgcls
