// The checkpoint reader: the input written as checkpoints/last.pt, read with read_progress
// (what --resume reads first) and loaded into a small model with its optimizer, as a resume
// does. A corrupt file must be a TrainError naming it, never a crash or LibTorch's own error.
#include <torch/nn/modules/linear.h>
#include <torch/optim/sgd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "engine/checkpoint.hpp"
#include "fuzz_util.hpp"
#include "imgcls/errors.hpp"

namespace {

struct Run {
  torch::nn::Linear model{4, 3};
  torch::optim::SGD optimizer{model->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9)};
};

}  // namespace

// IMGCLS_FUZZ_MAKE_SEED=FILE: write a valid checkpoint of the model below to FILE and exit
// (how tests/fuzz/corpus/checkpoint/ was made).
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* seed = std::getenv("IMGCLS_FUZZ_MAKE_SEED")) {
    Run run;
    imgcls::TrainProgress progress;
    progress.epoch = 1, progress.global_step = 10, progress.schedule_state = {0.5};
    progress.config_hash = "0123abcd";
    progress.history.resize(1);
    imgcls::save_checkpoint(seed, *run.model, &run.optimizer, progress);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const auto path = imgcls::fuzz::scratch_dir() + "/last.pt";
  imgcls::fuzz::write_bytes(path, data, size);
  try {
    static_cast<void>(imgcls::read_progress(path));
  } catch (const imgcls::Error&) {
  }
  Run run;
  try {
    static_cast<void>(imgcls::load_checkpoint(path, *run.model, &run.optimizer, true));
  } catch (const imgcls::Error&) {
  }
  return 0;
}
