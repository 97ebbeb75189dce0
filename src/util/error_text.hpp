// One line of user-facing text for any exception. LibTorch's c10::Error carries a C++ stack
// trace and source locations after its first line; this keeps the first line of its message
// without them, so no error that reaches the user prints a LibTorch backtrace.
//
//   catch (const std::exception& e) { throw TrainError(path + ": " + error_line(e)); }
#pragma once

#include <exception>
#include <string>

namespace imgcls {

// The first line of e's message (c10::Error: of what_without_backtrace()); never empty.
std::string error_line(const std::exception& e);

}  // namespace imgcls
