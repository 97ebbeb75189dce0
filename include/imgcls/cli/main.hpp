// The whole command line: parses argv, runs the subcommand, and turns every imgcls::Error
// into `imgcls: error: <message>` on stderr and its documented exit code.
#pragma once

namespace imgcls {

int imgcls_main(int argc, char** argv);

}  // namespace imgcls
