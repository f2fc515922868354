#!/bin/sh
# make fuzz: runs each libFuzzer target for FUZZ_SECONDS (or until
# FUZZ_RUNS executions, when set, whichever comes first), seeded from
# tests/fuzz/corpus/TARGET, and prints one line per target: executions,
# coverage, corpus size, and the crash files if any (to be added to
# tests/fuzz/regress/TARGET/ once fixed).
#
# run.sh --merge TARGET...: adds to tests/fuzz/corpus/TARGET the inputs of
# the grown corpus (build-fuzz/corpus/TARGET) that add coverage to it, none
# longer than FUZZ_MERGE_LEN, so the shipped corpus stays small; the inputs
# already there are kept as they are. FUZZ_MERGE_LEN is 8 KB, and 2 KB for
# fuzz_smb and fuzz_pipeline, whose grown inputs add features at nearly every
# length (8 KB kept 5.5 MB of fuzz_smb inputs, 2 KB 1.2 MB).
BUILD=${BUILD:-build-fuzz}
secs=${FUZZ_SECONDS:-60}
runs=${FUZZ_RUNS:+-runs=$FUZZ_RUNS}

# Longest input per target. An execution costs in proportion to its input,
# and libFuzzer grows inputs up to this cap; past what a target's harness
# limits can use, longer inputs only repeat what shorter ones reach:
#   fuzz_config    8 KB: the shipped configuration is 2 KB; nesting depth has
#                  its own bound, reached well within 8 KB.
#   fuzz_dcerpc    8 KB: the harness caps a PDU at 2 KB and a stub at 4 KB,
#                  so 8 KB passes both limits with room for several PDUs.
#   fuzz_decode    8 KB: a few frames and fragments; the harness's 4 KB
#                  defragmentation memcap is reached within it.
#   fuzz_smb      16 KB: the harness buffers at most 4 KB of one message;
#                  16 KB holds a whole PsExec conversation of the seeds
#                  (NEGOTIATE to the service start) but the longest.
#   fuzz_pipeline 24 KB: frames of a whole conversation, rules and alerts
#                  included (the impacket-psexec seed is 23 KB); the 60 KB
#                  benign-admin seed is cut to its first 24 KB.
# Every other target: 64 KB.
max_len()
{
    case "$1" in
    fuzz_config | fuzz_dcerpc | fuzz_decode) echo 8192 ;;
    fuzz_smb) echo 16384 ;;
    fuzz_pipeline) echo 24576 ;;
    *) echo 65536 ;;
    esac
}

# libFuzzer options of one target.
#   fuzz_pipeline -entropic=0: an input of this target reaches tens of
#                 thousands of coverage features, and libFuzzer 14's entropic
#                 schedule updates a rare-feature list for each of them on each
#                 execution: perf showed 82% of the run in
#                 InputCorpus::UpdateFeatureFrequency and loading the corpus at
#                 36 inputs/s. Without it, 600 executions/s instead of 350 and
#                 more coverage in the same two minutes (9,176 edges against
#                 9,058 with it).
target_flags()
{
    case "$1" in
    fuzz_pipeline) echo -entropic=0 ;;
    esac
}

merge_len()
{
    case "$1" in
    fuzz_smb | fuzz_pipeline) echo 2048 ;;
    *) echo 8192 ;;
    esac
}

if [ "$1" = "--merge" ]; then
    shift
    status=0
    for t in "$@"; do
        [ -d "$BUILD/corpus/$t" ] || { echo "$t: no grown corpus in $BUILD/corpus/$t"; status=1; continue; }
        before=$(ls "tests/fuzz/corpus/$t" | wc -l)
        ASAN_OPTIONS=detect_leaks=0 "$BUILD/bin/$t" -merge=1 -max_len="${FUZZ_MERGE_LEN:-$(merge_len "$t")}" -rss_limit_mb=2048 \
            "tests/fuzz/corpus/$t" "$BUILD/corpus/$t" >"$BUILD/$t.merge.log" 2>&1 ||
            { status=1; tail -n 20 "$BUILD/$t.merge.log"; continue; }
        echo "$t: corpus $before -> $(ls "tests/fuzz/corpus/$t" | wc -l) inputs," \
            "$(du -s --apparent-size --block-size=1024 "tests/fuzz/corpus/$t" | cut -f1) KB"
    done
    exit $status
fi

status=0
for t in "$@"; do
    work="$BUILD/corpus/$t"
    crashes="$BUILD/crashes/$t"
    mkdir -p "$work" "$crashes" tests/fuzz/corpus/$t
    ( cd "$BUILD/crashes/$t" && ASAN_OPTIONS=detect_leaks=1 "../../bin/$t" -max_total_time="$secs" $runs -print_final_stats=1 \
        -rss_limit_mb=2048 -max_len="$(max_len "$t")" $(target_flags "$t") "../../corpus/$t" "../../../tests/fuzz/corpus/$t" ) >"$BUILD/$t.log" 2>&1
    rc=$?
    execs=$(grep -E '^stat::number_of_executed_units' "$BUILD/$t.log" | awk '{print $2}')
    cov=$(grep -Eo 'cov: [0-9]+' "$BUILD/$t.log" | tail -n 1)
    found=$(ls "$crashes" | grep -E '^(crash|leak|timeout|oom)-' | wc -l)
    echo "$t: ${execs:-?} executions, ${cov:-cov: ?}, corpus $(ls "$work" | wc -l) inputs, $found findings (exit $rc)"
    [ "$rc" -eq 0 ] || { status=1; tail -n 30 "$BUILD/$t.log"; }
done
exit $status
