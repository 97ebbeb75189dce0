#!/usr/bin/env bash
# Decode + resize cost of the 224 photo pipelines, OpenCV's filters against Pillow's, side by
# side: `imgcls bench data` (images/s of the training input pipeline) over one image folder,
# alternating the interpolations round by round; medians at the end.
#   scripts/bench_resize.sh PHOTO_FOLDER [ROUNDS (3)] [BATCHES (20)] [WORKERS (1)]
# PHOTO_FOLDER: e.g. `scripts/make_photo_folder.py /tmp/photos` (1,000 JPEGs of 320x240).
# IMGCLS (default build/imgcls) is the binary; BASELINE_IMGCLS, if set, is timed too with its
# own default (e.g. the build before Pillow's resampling).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
photos="${1:?usage: scripts/bench_resize.sh PHOTO_FOLDER [ROUNDS] [BATCHES] [WORKERS]}"
rounds="${2:-3}" batches="${3:-20}" workers="${4:-1}"
imgcls="${IMGCLS:-$root/build/imgcls}"
config="$(mktemp --suffix=.yaml)"
trap 'rm -f "$config"' EXIT
cat >"$config" <<YAML
name: bench-resize
data: {dataset: image_folder, root: $photos, val_split: 0, batch_size: 64, workers: $workers}
model: {name: basic_cnn}
YAML
norm='{normalize: {mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]}}'
pipeline() {  # $1: val | train, $2: interpolation ("" = the binary's default)
  local i="${2:+, interpolation: $2}"
  if [[ $1 == val ]]; then echo "[{resize: {size: 256$i}}, {center_crop: 224}, $norm]"
  else echo "[{random_resized_crop: {size: 224$i}}, {hflip: 0.5}, $norm]"; fi
}
declare -A results
cases=("cv_linear" "bilinear")
[[ -n "${BASELINE_IMGCLS:-}" ]] && cases+=("baseline")
for round in $(seq "$rounds"); do
  for p in val train; do
    for c in "${cases[@]}"; do
      if [[ $c == baseline ]]; then
        out="$("$BASELINE_IMGCLS" bench data "$config" "data.train_transforms=$(pipeline "$p" "")" --batches "$batches")"
      else
        out="$("$imgcls" bench data "$config" "data.train_transforms=$(pipeline "$p" "$c")" --batches "$batches")"
      fi
      ips="$(sed -n 's/^images_per_second: //p' <<<"$out")"
      results[$p/$c]+="$ips "
      echo "round $round  $p  $c: $ips images/s  (load $(cut -d' ' -f1 /proc/loadavg))"
    done
  done
done
median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo
for p in val train; do
  for c in "${cases[@]}"; do echo "$p  $c: ${results[$p/$c]}-> median $(median "${results[$p/$c]}")"; done
done
