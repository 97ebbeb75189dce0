// A test hook compiled into every build: the process stops itself at a named point, so tests
// stop a run at an exact moment instead of sleeping and hoping. Documented in the README
// ("Test hooks").
//
//   IMGCLS_TEST_KILL_AT=<point>[:<action>]
//     point   <epoch>:<step>          after that training step (1-based)
//             <epoch>:best-pending    epoch's best checkpoint written under its pending name,
//                                     last.pt not yet
//             <epoch>:last-written    last.pt written, best.pt not yet renamed
//             write:<file name>       halfway through the next atomic write of that file
//                                     (write:last.pt: its temporary file half written)
//     action  KILL (default: SIGKILL, no cleanup, as the OOM killer or a power cut), INT or
//             TERM (the signal, handled as a user's Ctrl-C / kill), or throw-c10,
//             throw-logic, throw-filesystem, throw-json, throw-bad_alloc (an exception of that
//             kind from inside the training loop, for the error paths), or rm-run-dir (the
//             run directory deleted, as a user might, and the run going on)
//
//   IMGCLS_TEST_KILL_AT=3:17 imgcls train ...        # SIGKILL after step 17 of epoch 3
//
// Unset (every normal run), kill_points_armed() is false and callers skip building names.
#pragma once

#include <string>

namespace imgcls {

// When IMGCLS_TEST_KILL_AT names `point`: raises the signal it asks for, or returns its
// throw-* action for the caller to carry out. Returns "" otherwise.
std::string kill_point(const std::string& point);
// Whether IMGCLS_TEST_KILL_AT is set at all.
bool kill_points_armed();

}  // namespace imgcls
