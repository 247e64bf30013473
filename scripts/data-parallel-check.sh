#!/usr/bin/env bash
# Data-parallel training on the bundled sample, checked against one process (CI runs it after the
# main job, on the work folder that job left):
#   1. `mpirun -np 2` with accumulation 1 trains the same 20 steps as one process with accumulation 2,
#      over shared memory and over TCP on loopback (the multi-node path): every step's loss agrees to
#      the printed digits and the trained weights agree to float summation order as Lion amplifies it
#      (‖a − b‖/‖a‖ ≤ $tolerance; see SafeTensorsDiff for why not element by element);
#   2. `kohaku train` with train.processes 2 launches that mpirun job itself and reports its steps;
#   3. resume across world sizes (2 → 1 and 1 → 2) ends on the same weights;
#   4. `mpirun -np 2 kohaku buckets assign` writes the same buckets.json and skipped.json as one process;
#   5. SIGUSR1 to mpirun stops both ranks after the same step with a checkpoint; a rank killed
#      mid-run ends the job within a bounded time, naming the rank, and the last checkpoint resumes.
# Usage: scripts/data-parallel-check.sh WORK_DIR [OUT_DIR]   (WORK_DIR: base.safetensors, buckets.json,
# captions.jsonl and latents/ from the main job)
set -euo pipefail
# As ./kohaku does (tests/torch.runsettings says why): without it this CPU's oneDNN kernels give
# run-to-run different gradients and no two runs could be compared.
export ONEDNN_MAX_CPU_ISA="${ONEDNN_MAX_CPU_ISA:-AVX}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(cd "$1" && pwd)"
out="${2:-$work/data-parallel-check}"
tolerance=${KOHAKU_DP_TOLERANCE:-5e-3}
steps=20
kohaku=(dotnet "$root/lib/Kohaku.Cli/bin/${KOHAKU_CONFIGURATION:-Release}/net10.0/kohaku.dll")
mpi=(mpirun --allow-run-as-root --oversubscribe -np 2)
shm=(--mca btl self,vader)
tcp=(--mca btl tcp,self --mca btl_tcp_if_include lo)
failures=0
mkdir -p "$out"

say() { echo "data-parallel: $*"; }
fail() { say "FAIL: $*"; failures=$((failures + 1)); }

# A run file: the sample's with absolute paths, `steps` steps, the given accumulation, a
# checkpoint every 10 steps and no previews.
runfile() { # NAME ACCUMULATION MAX_STEPS [PROCESSES]
  sed -e "s#\"sample/#\"$root/data/sample/#g" \
      -e "s#\"train\": {#\"train\": { \"processes\": ${4:-1},#" \
      -e "s#\"maxSteps\": [0-9]*#\"maxSteps\": $3#" \
      -e "s#\"gradientAccumulation\": [0-9]*#\"gradientAccumulation\": $2#" \
      -e "s#\"checkpointEverySteps\": [0-9]*#\"checkpointEverySteps\": 10#" \
      -e "s#\"sampleEverySteps\": [0-9]*#\"sampleEverySteps\": 0#" \
      "$root/data/sample.run.json" > "$out/$1.run.json"
  echo "$out/$1.run.json"
}

# A fresh work folder over the main job's inputs (the latent cache is shared: it is keyed by seed and id).
workdir() { # NAME
  local d="$out/$1"
  rm -rf "$d"
  mkdir -p "$d"
  ln -s "$work/base.safetensors" "$d/base.safetensors"
  ln -s "$work/latents" "$d/latents"
  cp "$work/buckets.json" "$work/captions.jsonl" "$d/"
  echo "$d"
}

checkpoint() { printf '%s/train/checkpoints/step-%08d.safetensors' "$1" "$2"; }

agree() { # WHAT DIR_A DIR_B
  local line
  if line=$("${kohaku[@]}" compare "$(checkpoint "$2" $steps)" "$(checkpoint "$3" $steps)" --prefix param. --tolerance $tolerance 2>>"$out/compare.log"); then
    say "$1: $line"
  else
    fail "$1: ${line:-$(tail -1 "$out/compare.log")}"
  fi
}

# Every optimizer step's loss (printed to 5 decimals) in two logs: the same micro-batches, noise and timesteps.
same_losses() { # WHAT LOG_A LOG_B
  local worst
  worst=$(paste <(grep '^step ' "$2" | awk '{print $4}') <(grep '^step ' "$3" | awk '{print $4}') |
    awk 'NF == 2 { n++; d = ($1 - $2) / $1; if (d < 0) d = -d; if (d > m) m = d } END { if (n == 0) print "none"; else printf "%.2g over %d steps", m, n }')
  case "$worst" in
    none) fail "$1: no steps to compare" ;;
    *) awk -v w="${worst%% *}" 'BEGIN { exit !(w <= 2e-4) }' && say "$1: losses agree, largest relative difference $worst" || fail "$1: losses differ by $worst" ;;
  esac
}

# The held-out loss of the last step (the sample holds out posts): the same images, noise and
# timesteps whatever the rank count, the sum over ranks in another order.
same_validation() { # WHAT LOG_A LOG_B
  local a b
  a=$(grep '^step .* validation ' "$2" | tail -1 | awk '{print $NF}')
  b=$(grep '^step .* validation ' "$3" | tail -1 | awk '{print $NF}')
  [ -n "$a" ] && [ -n "$b" ] || { fail "$1: no validation loss logged"; return; }
  awk -v a="$a" -v b="$b" 'BEGIN { d = (a - b) / a; if (d < 0) d = -d; exit !(d <= 2e-4) }' &&
    say "$1: validation losses agree ($a, $b)" || fail "$1: validation losses differ ($a vs $b)"
}

one2=$(runfile one-acc2 2 $steps)
two1=$(runfile two-acc1 1 $steps)
half1=$(runfile two-acc1-half 1 10)
half2=$(runfile one-acc2-half 2 10)
long1=$(runfile two-acc1-long 1 200)

say "one process, accumulation 2, $steps steps"
single=$(workdir single)
"${kohaku[@]}" train --config "$one2" --work-dir "$single" > "$out/single.log" 2>&1 || { cat "$out/single.log"; fail "one-process run"; }

say "2 ranks over shared memory, accumulation 1"
shared=$(workdir mpi-shm)
"${mpi[@]}" "${shm[@]}" "${kohaku[@]}" train --config "$two1" --work-dir "$shared" > "$out/mpi-shm.log" 2>&1 || { cat "$out/mpi-shm.log"; fail "mpirun over shared memory"; }
same_losses "2 ranks (shared memory) vs one process" "$out/single.log" "$out/mpi-shm.log"
same_validation "2 ranks (shared memory) vs one process" "$out/single.log" "$out/mpi-shm.log"
agree "2 ranks (shared memory) vs one process" "$single" "$shared"

say "2 ranks over TCP on loopback, accumulation 1"
overtcp=$(workdir mpi-tcp)
"${mpi[@]}" "${tcp[@]}" "${kohaku[@]}" train --config "$two1" --work-dir "$overtcp" > "$out/mpi-tcp.log" 2>&1 || { cat "$out/mpi-tcp.log"; fail "mpirun over TCP"; }
same_losses "2 ranks (TCP) vs one process" "$out/single.log" "$out/mpi-tcp.log"
agree "2 ranks (TCP) vs one process" "$single" "$overtcp"

say "train.processes 2: one kohaku train launches the 2-rank job itself"
launched=$(workdir launched)
"${kohaku[@]}" train --config "$(runfile launch-2 1 $steps 2)" --work-dir "$launched" > "$out/launched.log" 2>&1 || { cat "$out/launched.log"; fail "kohaku train with processes 2"; }
grep -q "mpirun -np 2 kohaku train" "$out/launched.log" || fail "kohaku train with processes 2 did not launch mpirun"
same_losses "launched 2 ranks vs one process" "$out/single.log" "$out/launched.log"
agree "launched 2 ranks vs one process" "$single" "$launched"

say "resume 2 → 1: 10 steps on 2 ranks, the rest in one process"
r21=$(workdir resume-2-to-1)
"${mpi[@]}" "${shm[@]}" "${kohaku[@]}" train --config "$half1" --work-dir "$r21" > "$out/resume-2-to-1.log" 2>&1 || fail "first half on 2 ranks"
"${kohaku[@]}" train --config "$one2" --work-dir "$r21" --resume >> "$out/resume-2-to-1.log" 2>&1 || { cat "$out/resume-2-to-1.log"; fail "second half in one process"; }
agree "resumed 2 → 1 vs uninterrupted" "$single" "$r21"

say "resume 1 → 2: 10 steps in one process, the rest on 2 ranks"
r12=$(workdir resume-1-to-2)
"${kohaku[@]}" train --config "$half2" --work-dir "$r12" > "$out/resume-1-to-2.log" 2>&1 || fail "first half in one process"
"${mpi[@]}" "${shm[@]}" "${kohaku[@]}" train --config "$two1" --work-dir "$r12" --resume >> "$out/resume-1-to-2.log" 2>&1 || { cat "$out/resume-1-to-2.log"; fail "second half on 2 ranks"; }
agree "resumed 1 → 2 vs uninterrupted" "$single" "$r12"

say "buckets assign: 2 ranks share the decoding"
bargs=(buckets --base 128 --min 64 --max 256 --step 32 assign --images "$root/data/sample/images" --ids "$work/ids.txt")
mkdir -p "$out/buckets-one" "$out/buckets-two"
"${kohaku[@]}" "${bargs[@]}" --out "$out/buckets-one/buckets.json" > "$out/buckets-one.log" 2>&1 || { cat "$out/buckets-one.log"; fail "buckets assign in one process"; }
"${mpi[@]}" "${shm[@]}" "${kohaku[@]}" "${bargs[@]}" --out "$out/buckets-two/buckets.json" > "$out/buckets-two.log" 2>&1 || { cat "$out/buckets-two.log"; fail "buckets assign on 2 ranks"; }
if cmp -s "$out/buckets-one/buckets.json" "$out/buckets-two/buckets.json" && cmp -s "$out/buckets-one/skipped.json" "$out/buckets-two/skipped.json"; then
  say "buckets assign on 2 ranks: buckets.json and skipped.json identical to one process ($(tail -1 "$out/buckets-two.log"))"
else
  fail "buckets assign on 2 ranks differs from one process"
fi

# Waits until the log shows optimizer step $2, or the job ended.
wait_for_step() { # LOG STEP PID
  for _ in $(seq 1 1200); do
    grep -q "^step $2/" "$1" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

say "SIGUSR1 to mpirun: both ranks finish the step, rank 0 saves, the job exits"
stopped=$(workdir stop-and-kill)
log="$out/stop.log"
"${mpi[@]}" "${shm[@]}" "${kohaku[@]}" train --config "$long1" --work-dir "$stopped" > "$log" 2>&1 &
job=$!
if wait_for_step "$log" 3 $job; then
  kill -USR1 $job
  set +e; wait $job; code=$?; set -e
  last=$(ls "$stopped/train/checkpoints" | tail -1)
  if [ $code -ne 0 ] && grep -q "stopped early (SIGUSR1)" "$log" && [ -n "$last" ]; then
    say "stopped with exit code $code at $last"
  else
    cat "$log"; fail "SIGUSR1 did not stop the job cleanly (exit $code, checkpoint '${last:-none}')"
  fi
else
  cat "$log"; fail "the job to stop never reached step 3"
fi

say "a rank killed mid-run: the job ends, naming it; its last checkpoint resumes"
log="$out/kill.log"
"${mpi[@]}" "${shm[@]}" "${kohaku[@]}" train --config "$long1" --work-dir "$stopped" --resume > "$log" 2>&1 &
job=$!
if wait_for_step "$log" 13 $job; then
  victim=""
  for pid in $(pgrep -P $job); do
    tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=1" && victim=$pid
  done
  start=$(date +%s)
  [ -n "$victim" ] && kill -KILL "$victim"
  set +e; timeout 60 tail --pid=$job -f /dev/null; wait $job; code=$?; set -e
  took=$(( $(date +%s) - start ))
  if [ -n "$victim" ] && [ $code -ne 0 ] && [ $took -le 30 ] && grep -qi "rank 1" "$log"; then
    say "rank 1 (pid $victim) killed: mpirun exited $code after ${took}s: $(grep -i 'rank 1' "$log" | head -1 | sed 's/^ *//')"
  else
    cat "$log"; fail "killing rank 1 (pid '${victim:-not found}') ended with exit $code after ${took}s"
  fi
  "${kohaku[@]}" train --config "$one2" --work-dir "$stopped" --resume > "$out/after-kill.log" 2>&1 || { cat "$out/after-kill.log"; fail "resuming after the killed rank"; }
  agree "stopped, killed, resumed in one process vs uninterrupted" "$single" "$stopped"
else
  cat "$log"; fail "the job to kill never reached step 13"
fi

if [ $failures -gt 0 ]; then say "$failures check(s) failed; logs in $out"; exit 1; fi
say "all checks passed (logs in $out)"
