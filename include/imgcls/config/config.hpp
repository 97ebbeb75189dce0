// The experiment config: typed, validated, with every default filled in.
//
// Loading (see load_config) is strict: an unknown key, a wrong type, an out-of-range value,
// a duplicate key or a missing required key throws ConfigError with one line of the form
//   <file>:<line>: <dotted.key>: <what was expected>, got '<value>'
// and, for a misspelt key, a "did you mean '<key>'?" hint.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace imgcls {

// One item of data.train_transforms / data.val_transforms, named and with the semantics of
// torchvision.transforms (see data/transforms.hpp). Only the fields of `name` are used.
struct TransformSpec {
  std::string name;  // resize | center_crop | random_crop | random_resized_crop | hflip | vflip |
                     // rotation | color_jitter | grayscale | normalize | rand_augment |
                     // trivial_augment_wide | auto_augment | random_erasing (src/transforms/registry.cpp)
  std::vector<int64_t> size;                    // [s] (resize: shorter side) or [h, w]
  std::string interpolation = "bilinear";       // resize, random_resized_crop, rotation: nearest | bilinear | bicubic | area
  std::vector<int64_t> padding;                 // random_crop: [p], [left/right, top/bottom] or [l, t, r, b]
  bool pad_if_needed = false;                   // random_crop
  std::string padding_mode = "constant";        // random_crop: constant | edge | reflect | symmetric
  double fill = 0;                              // random_crop, rotation: value of padded pixels (0..255)
  double p = 0.5;                               // hflip, vflip
  std::vector<double> scale = {0.08, 1.0};      // random_resized_crop
  std::vector<double> ratio = {3.0 / 4.0, 4.0 / 3.0};
  std::vector<double> degrees;                  // rotation: [d] = [-d, d], or [min, max]
  std::vector<double> brightness, contrast, saturation, hue;  // color_jitter: [x] or [min, max]; [] = off
  int64_t num_output_channels = 1;              // grayscale: 1 or 3
  std::vector<double> mean, std;                // normalize: per channel (or one value for all)
  int64_t num_ops = 2;                          // rand_augment
  int64_t magnitude = 9;                        // rand_augment: a bin in [0, num_magnitude_bins)
  int64_t num_magnitude_bins = 31;              // rand_augment, trivial_augment_wide
  std::string policy = "imagenet";              // auto_augment: imagenet | cifar10 | svhn
  std::vector<double> erase_value = {0};        // random_erasing: [v], per channel, or [] = random
  std::string where;                            // "file:line" of the item, for later errors
};

// The most pixels (width x height) an image header may claim by default: Pillow's
// Image.MAX_IMAGE_PIXELS.
constexpr int64_t kDefaultMaxImagePixels = 89478485;

struct DataConfig {
  std::string dataset;        // required: fashion_mnist | mnist | cifar10 | cifar100 | image_folder
  std::string root;           // folder with the dataset files; "" = the dataset's default
  std::string train_root;     // image_folder: pre-split folders (instead of root + val_split)
  std::string val_root;
  std::string test_root;
  int64_t channels = 3;       // image_folder: 3 (RGB) or 1 (grayscale)
  int64_t image_size = 224;   // image_folder: the size the default transforms resize to
  std::string on_bad_image = "skip";  // image_folder: skip (report, count) | error
  // An image whose header claims more pixels (width x height) is refused before decoding
  // (Pillow's Image.MAX_IMAGE_PIXELS); training, eval, predict and data check alike.
  int64_t max_image_pixels = kDefaultMaxImagePixels;
  double val_split = 0.1;     // >= 1: a count of training images; in (0, 1): a fraction; 0: none
  std::string val = "split";  // split: hold out val_split of train | test: validate on the test split
  std::vector<int64_t> classes = {};  // keep only these classes, relabelled 0..k-1 in this order
  std::vector<std::string> class_names = {};  // or these, by name (data.classes: [daisy, rose])
  std::string label = "fine"; // cifar100: fine (100 classes) | coarse (20 superclasses)
  int64_t batch_size = 64;
  int64_t limit = 0;          // use only the first N training images (0 = all)
  // Transforms; when a config omits them, defaults for the dataset are filled in (see
  // default_transforms) so the resolved config.yaml always lists what ran.
  std::vector<TransformSpec> train_transforms;
  std::vector<TransformSpec> val_transforms;
  int64_t workers = -1;       // loader threads; -1 = one per core, 0 = in the training thread
  int64_t prefetch = 4;       // batches prepared ahead of the training step
  bool drop_last = false;     // drop the last, smaller training batch
  // random: each epoch a permutation of the training split | balanced: an epoch of the
  // split's length drawn with replacement, each image weighted by 1 / (its class's count),
  // so every class is drawn equally often (torch's WeightedRandomSampler); seeded per epoch.
  std::string sampler = "random";
  // auto | true | false: keep an in-memory dataset (MNIST family, CIFAR) on the training
  // device as uint8 and make batches there (crops, flips, normalize batched; no loader
  // threads). auto: on CUDA when every transform has a device version; true: also on CPU,
  // and an error when it cannot; false: never.
  std::string device_resident = "auto";
};

struct ModelConfig {
  std::string name;                                 // required: a name from the model registry
  std::string init = "default";                     // default (PyTorch's) | kaiming | xavier
  std::vector<int64_t> hidden = {256};              // mlp, vgg_cnn: hidden layer sizes
  std::string activation = "relu";                  // mlp: relu | leaky_relu | tanh | sigmoid
  double dropout = 0.0;                             // mlp: after each hidden layer; vgg_cnn: before each linear
  int64_t hidden_size = 32;                         // cifar_cnn: channels of the first conv
  std::string pooling = "avg";                      // cifar_cnn: stride | max | avg
  std::vector<int64_t> widths = {128, 256, 512};    // residual_cnn, vgg_cnn: stage widths
  int64_t blocks = 2;                               // residual_cnn: residual blocks per stage; vgg_cnn: convs
  int64_t stem_channels = 64;                       // residual_cnn: 7x7 stem width
  std::string path;                                 // torchscript: the backbone file
  bool freeze_backbone = false;                     // torchscript: train only the new head
  int64_t unfreeze_at_epoch = 0;                    // torchscript: unfreeze from this epoch (0 = never)
  // residual_cnn, vgg_cnn: BatchNorm statistics over the global batch under data-parallel
  // training (torch.nn.SyncBatchNorm); per rank without it (PyTorch DDP's default)
  bool sync_batchnorm = false;
};

// An optional number's "not given" (config null): NaN.
constexpr double kUnsetNumber = std::numeric_limits<double>::quiet_NaN();

struct OptimizerConfig {
  std::string name = "adam";  // sgd | adam | adamw | rmsprop
  double lr = 1e-3;
  double weight_decay = 0.0;  // adamw: 0.01 when not given (PyTorch's default)
  double momentum = 0.0;      // sgd, rmsprop
  double dampening = 0.0;     // sgd
  bool nesterov = false;      // sgd
  std::vector<double> betas = {0.9, 0.999};  // adam, adamw
  double eps = 1e-8;          // adam, adamw, rmsprop
  // adam, adamw: auto (= true) | true: one ATen kernel per step (PyTorch's fused=True) | false:
  // LibTorch's per-tensor operations, what config_version 3 and older did (they read as false).
  std::string fused = "auto";
  double alpha = 0.99;        // rmsprop smoothing constant
  double backbone_lr_scale = 1.0;  // the backbone's lr relative to the head's (models with a head)
  // torchvision's --norm-weight-decay / --bias-weight-decay: the weight decay of normalisation
  // layers' parameters and of every bias, in parameter groups of their own. NaN (null in
  // YAML): unset, weight_decay applies (and the parameters stay in the common group).
  double norm_weight_decay = kUnsetNumber;
  double bias_weight_decay = kUnsetNumber;
};

// LR schedules, with PyTorch's torch.optim.lr_scheduler semantics (see engine/lr_schedule.hpp).
struct SchedulerConfig {
  std::string name = "none";  // none | step | multistep | cosine | plateau | onecycle | exponential
  int64_t step_size = 10;     // step
  double gamma = 0.1;         // step, multistep, exponential
  std::vector<int64_t> milestones = {};  // multistep (epochs, increasing)
  int64_t t_max = 0;          // cosine: epochs of the half cosine (0 = the epochs after warmup)
  double eta_min = 0.0;       // cosine
  std::string monitor = "val_loss";  // plateau: val_loss | val_acc | train_loss | train_acc
  std::string mode = "auto";  // plateau: auto (min for losses, max for accuracies) | min | max
  double factor = 0.1;        // plateau
  int64_t patience = 10;      // plateau
  double threshold = 1e-4;    // plateau
  std::string threshold_mode = "rel";  // plateau: rel | abs
  int64_t cooldown = 0;       // plateau
  double min_lr = 0.0;        // plateau
  double max_lr = 0.0;        // onecycle (0 = optimizer.lr)
  double pct_start = 0.3;     // onecycle
  std::string anneal = "cos";  // onecycle: cos | linear
  double div_factor = 25.0;   // onecycle
  double final_div_factor = 1e4;  // onecycle
  int64_t warmup_epochs = 0;  // linear warmup before the schedule (PyTorch: SequentialLR(LinearLR, ...))
  int64_t warmup_steps = 0;   // or per-step linear warmup multiplying the schedule
  double warmup_start_factor = 0.1;
};

struct EarlyStoppingConfig {
  std::string monitor = "val_acc";  // val_acc | val_loss | train_acc | train_loss | val_macro_f1 |
                                    // val_balanced_acc; also picks best.pt
  std::string mode = "auto";        // auto | min | max
  int64_t patience = 0;             // epochs without improvement before stopping (0 = never stop)
  double min_delta = 0.0;
};

// timm's Mixup (timm/data/mixup.py), mode batch: one lambda per batch, each image mixed with
// the batch's mirror (flip(0)); train.label_smoothing folded into the soft targets. On when
// mixup_alpha or cutmix_alpha is > 0.
struct MixupConfig {
  double mixup_alpha = 0.0;    // Beta(alpha, alpha) for mixup (0 = no mixup)
  double cutmix_alpha = 0.0;   // Beta(alpha, alpha) for cutmix (0 = no cutmix)
  double prob = 1.0;           // the chance a batch is mixed at all
  double switch_prob = 0.5;    // with both alphas > 0: the chance of cutmix instead of mixup
  std::string mode = "batch";  // batch (timm's elem and pair modes are not implemented)
  bool enabled() const { return mixup_alpha > 0 || cutmix_alpha > 0; }
};

// train.ema: an exponential moving average of the weights and buffers (timm's ModelEmaV3,
// torchvision's ExponentialMovingAverage), updated after every `every` optimizer steps:
//   ema = d * ema + (1 - d) * weights,  d = warmup ? min(decay, (1 + n) / (10 + n)) : decay
// (n: the updates so far; TensorFlow's and timm v1's warmup). Validated beside the raw weights
// (val_loss_ema, val_acc_ema), saved in checkpoints.
struct EmaConfig {
  bool enabled = false;
  double decay = 0.9998;
  bool warmup = true;
  int64_t every = 1;          // optimizer steps between updates
  bool use_for_best = false;  // best.pt, early stopping and the test evaluation by the EMA weights
};

struct TrainConfig {
  int64_t epochs = 10;
  int64_t log_every = 0;      // also log every N steps inside an epoch (0 = only per epoch)
  EarlyStoppingConfig early_stopping;
  double label_smoothing = 0.0;
  // Per-class weights of the training loss (torch's CrossEntropyLoss(weight=...)): none |
  // balanced (scikit-learn's n_samples / (n_classes * count_c) over the training split) |
  // list (class_weight_list, one positive number per class, in class-index order).
  std::string class_weights = "none";
  std::vector<double> class_weight_list;
  double grad_clip_norm = 0.0;  // 0 = no clipping
  int64_t grad_accum_steps = 1;
  // none | bf16 | fp16 (CUDA only; full precision with a warning on CPU) | auto: bf16 on a CPU
  // that computes it natively (AVX512-BF16, AMX), fp32 elsewhere and on CUDA (engine/device.hpp)
  std::string amp = "auto";
  // true | false | auto: on the CPU the model table's measured choice, on CUDA channels_last
  // under bf16/fp16 autocast (docs/BENCHMARKS.md "Memory format"; engine/device.hpp)
  std::string channels_last = "auto";
  int64_t val_every = 1;      // validate every N epochs (and always after the last)
  bool deterministic = false;
  std::string on_nan = "stop";  // stop | skip_batch
  MixupConfig mixup;
  EmaConfig ema;
};

struct OutputConfig {
  int64_t keep_last = 0;      // also keep checkpoints/epoch-N.pt for the last N epochs
};

struct LoggingConfig {
  bool tensorboard = false;   // also write TensorBoard event files to RUN_DIR/tb/
};

// Data-parallel training (torchrun / srun, README "Distributed training"); without a
// launcher's variables in the environment these change nothing.
struct DistributedConfig {
  std::string backend = "auto";  // auto (nccl on CUDA, gloo on CPU) | gloo | nccl
  int64_t timeout_s = 300;       // a collective waiting this long on a peer fails the run
};

struct Config {
  // The meaning of names that changed: 1 = a config.yaml written before imgcls had Pillow's
  // resampling (no config_version key in it; resize's bilinear, bicubic and nearest were
  // OpenCV's, read now as cv_linear, cv_cubic and cv_nearest); 2 = today's names; 3 = adds
  // model.sync_batchnorm (a 2 reads it as false); 4 = adds optimizer.fused (a 3 or older reads
  // it as false). A config file without the key is the newest; a run directory's config.yaml
  // without it is 1 (load_run_config).
  int64_t config_version = 4;
  std::string name = "run";
  int64_t seed = 42;
  std::string device = "auto";  // auto | cpu | cuda | cuda:N
  int64_t threads = 0;          // intra-op threads for LibTorch (0 = LibTorch's default)
  DataConfig data;
  ModelConfig model;
  OptimizerConfig optimizer;
  SchedulerConfig scheduler;
  TrainConfig train;
  OutputConfig output;
  LoggingConfig logging;
  DistributedConfig distributed;

  // Where each key came from ("configs/x.yaml:12", "override 'optimizer.lr=0.1'") or
  // "default": later stages (dataset, model registry) use it to point at the culprit.
  std::map<std::string, std::string> origins;
  std::string where(const std::string& dotted_key) const;
  // What loading changed that the user should hear about, one line each (keys of another model
  // dropped after a model.name override); whoever runs the config prints them as warnings.
  std::vector<std::string> warnings;
};

// Loads a YAML (.yaml/.yml) or JSON (.json) config, applies `overrides` ("dotted.key=value",
// the value parsed as YAML, so lists work: "data.classes=[0,1]") and validates the result.
// Throws ConfigError (exit code 2) naming the file, line and dotted key on any problem.
// Paths (data.root, data.train_root, data.val_root, data.test_root, model.path) are stored
// absolute: a relative one in the file is relative to the file's folder, one in an override
// to the current directory, so a run's config.yaml works from anywhere.
// An override of model.name drops the file's model.* keys the new model does not take (the
// flowers config's model.path with model.name=baseline_cnn), with one line in
// Config::warnings; such a key given in the file beside its own model.name, or given as an
// override, stays an error (check_model_keys).
Config load_config(const std::string& path, const std::vector<std::string>& overrides = {});

// load_config for a run directory's config.yaml (train --resume, eval, predict, export, the
// sweep's comparison): a file without config_version was written before version 2 and is read
// with version 1's meanings, so an old run resumes and evaluates as it trained (with its
// checkpoint's config hash).
Config load_run_config(const std::string& path, const std::vector<std::string>& overrides = {});

// Same as load_config, for text already in memory; `origin` names it in error messages.
// Paths are kept as given (there is no file to be relative to).
Config parse_config(const std::string& text, const std::string& origin,
                    const std::vector<std::string>& overrides = {});

// The fully resolved config as YAML (every key, defaults included). Loading it back gives
// an equal config: this is what a run directory's config.yaml holds.
std::string to_yaml(const Config& config);

// The value of one dotted key as YAML text ("0.001", "[512, 256]", "adam"). Throws
// ConfigError for a key the schema does not know.
std::string value_text(const Config& config, const std::string& dotted_key);

// The keys a resumed run may change, in schema order: those that do not change the numbers
// (train.epochs, device, data.workers, ...; batches and augmentations depend only on the
// seed). The schema marks them; README "Resume, exactly" lists them.
std::vector<std::string> resumable_keys();

// A hash (hex) of every key a resumed run must not change (all but resumable_keys()).
std::string frozen_config_hash(const Config& config);

// Throws ConfigError when `resumed` (the run's config.yaml with the --resume overrides) differs
// from `original` in a key that is not in resumable_keys(), naming each such key with its old
// and new value:
//   --resume: the overrides change optimizer.lr (0.001 -> 0.1), which a resumed run must
//   keep; only name, device, ... may change
void check_resume_changes(const Config& original, const Config& resumed);

// The transforms a dataset gets when the config gives none: image_folder resizes to
// data.image_size; every dataset is normalised with mean 0.5, std 0.5 per channel (the seeds'
// Normalize((0.5,), (0.5,))).
std::vector<TransformSpec> default_transforms(const DataConfig& data, bool train);

// Every dotted key the schema knows, in schema order (used by `imgcls config keys`).
std::vector<std::string> config_keys();

}  // namespace imgcls
