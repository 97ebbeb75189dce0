#include "imgcls/cli/main.hpp"

#include <CLI/App.hpp>
#include <CLI/Config.hpp>
#include <CLI/Formatter.hpp>
#include <c10/util/Exception.h>

#include <iostream>

#include "cli/commands.hpp"
#include "cli/usage_hints.hpp"
#include "imgcls/errors.hpp"
#include "imgcls/io/atomic_file.hpp"
#include "util/error_text.hpp"
#include "util/runtime_info.hpp"
#include "util/signals.hpp"

namespace imgcls {

std::string version_text() {
  const auto info = runtime_info();
  std::string text = "imgcls " + info.imgcls_version + "\n";
  text += "LibTorch " + info.libtorch_version + "\n";
  text += "OpenCV " + info.opencv_version + "\n";
  text += "CUDA: " + (info.cuda_available ? "available, " + std::to_string(info.cuda_device_count) + " device(s)"
                                          : std::string("not available")) + "\n";
  text += std::string("cuDNN: ") + (info.cudnn_available ? "available" : "not available") + "\n";
  text += "CPU bf16: " + (info.cpu_bf16 == "none" ? std::string("not native")
                                                   : "native, " + info.cpu_bf16) + "\n";
  return text;
}

int imgcls_main(int argc, char** argv) {
  set_immediate_exit_cleanup(&unlink_temp_files_in_flight);  // a second Ctrl-C leaves no *.tmp.*
  CLI::App app{"imgcls: train, evaluate and compare image classifiers from a config file"};
  app.require_subcommand(1);
  app.add_flag_callback("-V,--version", [] { throw CLI::CallForVersion(version_text(), 0); },
                        "Print imgcls, LibTorch and OpenCV versions, whether CUDA/cuDNN are available and whether the CPU has native bf16");
  app.footer("Run `imgcls <command> --help` for a command's options.");
  setup_train(app);
  setup_models(app);
  setup_summary(app);
  setup_eval(app);
  setup_predict(app);
  setup_plot(app);
  setup_sweep(app);
  setup_export(app);
  setup_bench(app);
  setup_data(app);
  setup_lr_find(app);

  try {
    app.parse(argc, argv);
    return 0;
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    std::cout << e.what();
    return 0;
  } catch (const CLI::ParseError& e) {
    // A misspelt command or option gets its name and the closest one, not CLI11's generic line.
    if (const auto hint = unknown_argument_message(app, argc, argv); !hint.empty()) {
      std::cerr << "imgcls: error: " << hint << "\n";
      return static_cast<int>(ExitCode::kUsage);
    }
    std::cerr << "imgcls: error: " << e.what() << "\nRun with --help for more information.\n";
    return static_cast<int>(ExitCode::kUsage);
  } catch (const InterruptedError& e) {
    // Asked for by the user: said as information, with its exit code (130 / 143).
    std::cerr << "imgcls: " << e.what() << "\n";
    return static_cast<int>(e.exit_code());
  } catch (const Error& e) {
    std::cerr << "imgcls: error: " << e.what() << "\n";
    return static_cast<int>(e.exit_code());
  } catch (const c10::Error& e) {
    std::cerr << "imgcls: error: LibTorch: " << error_line(e) << "\n";
    return static_cast<int>(ExitCode::kTraining);
  } catch (const std::exception& e) {
    std::cerr << "imgcls: error: " << error_line(e) << "\n";
    return static_cast<int>(ExitCode::kTraining);
  }
}

}  // namespace imgcls
