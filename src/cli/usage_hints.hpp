// What to say when CLI11 rejects a command line: a misspelt command or option named, with the
// closest one ("unknown command 'trian'; did you mean 'train'?"), as config keys already get.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace imgcls {

// Scans argv against `app`'s commands and options (nested subcommands included) and returns
// one line for the first unknown command or option, with a "did you mean" when one is close:
//   unknown command 'trian'; did you mean 'train'?
//   unknown option '--verison'; did you mean '--version'?
//   train: unknown option '--epochs'; config keys are overrides: did you mean 'train.epochs=...'?
// Returns "" when every command and option is known (the error is about something else).
std::string unknown_argument_message(const CLI::App& app, int argc, const char* const* argv);

}  // namespace imgcls
