// Forward declarations of the LibTorch classes engine headers name only by reference, so those
// headers need not include torch's (large) nn and optim headers.
#pragma once

namespace torch {
namespace nn {
class Module;
}
namespace optim {
class Optimizer;
}
}  // namespace torch
