#!/usr/bin/env python3
"""Planted AUC by kind of stretch: for each run folder (RUN/planted from Scripts/planted_criterion.sh), the frame AUC
of each score column when the anomalous frames are those of one kind only (speed, reverse, paste, and ridden when
the copies were planted with vehicle photographs) against all normal frames of the same planted videos. A RUN may also
name the planted folder itself (RUN/planted-objects of `PLANT_OBJECTS=DIR Scripts/planted_criterion.sh`). Pure Python (no NumPy): AUC by ranks with ties averaged.

    python3 Scripts/planted_kinds.py [--regions] [--guard G] RUN...

--regions also prints each kind's micro AUC, RBDC and TBDC from `ssmtl eval` (the binary in $SSMTL, else
.build/release/ssmtl): every planted copy keeps its normal frames and that kind's frames only (renumbered, with their
region predictions and ground-truth tracks), so false regions are counted over the same normal frames for every kind.
--guard G leaves out of every AUC the normal frames within G frames of a planted stretch (a row "all" gives the
planted micro AUC over every kind so reduced): the smoothed scores of a stretch spill into its neighbours, and with
stretches 12-36 frames apart most normal frames of a copy lie there (docs/experiments.md, "The planted criterion's
boundary frames"). Not with --regions.
"""
import csv, json, os, shutil, subprocess, sys, tempfile
from collections import defaultdict

KINDS = ["speed", "reverse", "paste", "ridden"]

def auc(pos, neg):
    values = sorted([(v, 1) for v in pos] + [(v, 0) for v in neg])
    ranks, i = {}, 0
    rank_sum = 0.0
    while i < len(values):
        j = i
        while j < len(values) and values[j][0] == values[i][0]:
            j += 1
        r = (i + 1 + j) / 2.0
        rank_sum += r * sum(1 for k in range(i, j) if values[k][1] == 1)
        i = j
    n1, n0 = len(pos), len(neg)
    return (rank_sum - n1 * (n1 + 1) / 2.0) / (n1 * n0) if n1 and n0 else float("nan")

def main(runs, regions=False, guard=0):
    for run in runs:
        planted = run if os.path.isdir(os.path.join(run, "scores")) else os.path.join(run, "planted")
        frames = os.path.join(planted, "frames")
        videos = sorted(os.listdir(frames))
        # Every score column the CSVs hold (score, then the model's heads), whatever the model scores.
        with open(os.path.join(planted, "scores", videos[0] + ".csv")) as f:
            columns = [c for c in next(csv.reader(f)) if c != "frame"]
        print(f"{'run':<40} {'kind':<8} " + " ".join(f"{c:>6}" for c in columns))
        kind_of = {}   # (video, frame) -> kind
        stretches = defaultdict(list)   # video -> [(first, last)] frames of its planted stretches
        for video in videos:
            source = os.path.realpath(os.path.join(frames, video))
            with open(os.path.join(os.path.dirname(os.path.dirname(source)), "plan.csv")) as f:
                for row in csv.DictReader(f):
                    if row["video"] == video:
                        start, length = int(row["start"]), int(row["length"])
                        stretches[video].append((start, start + length - 1))
                        for k in range(start, start + length):
                            kind_of[(video, k)] = row["kind"]
        values = defaultdict(lambda: defaultdict(list))   # kind or "normal" -> column -> values
        for video in videos:
            with open(os.path.join(planted, "scores", video + ".csv")) as f:
                for row in csv.DictReader(f):
                    frame = int(row["frame"])
                    kind = kind_of.get((video, frame), "normal")
                    if kind == "normal" and guard > 0 and any(first - guard <= frame <= last + guard
                                                              for first, last in stretches[video]):
                        continue
                    for c in columns:
                        values[kind][c].append(float(row[c]))
        for kind in KINDS:
            cells = " ".join(f"{100 * auc(values[kind][c], values['normal'][c]):6.2f}" for c in columns)
            print(f"{run:<40} {kind:<8} {cells}")
        if guard > 0:
            cells = " ".join(f"{100 * auc([v for k in KINDS for v in values[k][c]], values['normal'][c]):6.2f}" for c in columns)
            print(f"{run:<40} {'all':<8} {cells}   (normal frames more than {guard} from a stretch: {len(values['normal'][columns[0]])})")
        if regions:
            for kind in KINDS:
                m = evaluate_kind(planted, videos, kind_of, kind)
                print(f"{run:<40} {kind:<8} regions: micro {100 * m['microAUC']:.2f} RBDC {100 * m['rbdc']:.2f} TBDC {100 * m['tbdc']:.2f}")

def renumber(source, target, frame_column, new, header=False):
    """Copies the CSV rows whose frame (column `frame_column`) is a key of `new`, with the frame renumbered to its value."""
    with open(source) as src, open(target, "w") as dst:
        for n, line in enumerate(src):
            fields = line.rstrip("\n").split(",")
            if header and n == 0:
                dst.write(line)
            elif len(fields) > frame_column and fields[frame_column].strip().isdigit() and int(fields[frame_column]) in new:
                fields[frame_column] = str(new[int(fields[frame_column])])
                dst.write(",".join(fields) + "\n")

def evaluate_kind(planted, videos, kind_of, kind):
    """`ssmtl eval` of the planted copies reduced to their normal frames and `kind`'s, renumbered from 0."""
    ssmtl = os.environ.get("SSMTL") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".build", "release", "ssmtl")
    tmp = tempfile.mkdtemp()
    try:
        os.makedirs(os.path.join(tmp, "scores")); os.makedirs(os.path.join(tmp, "gt", "tracks"))
        for video in videos:
            labels = open(os.path.join(planted, "gt", video + ".txt")).read().split()
            keep = [f for f in range(len(labels)) if kind_of.get((video, f), "normal") in ("normal", kind)]
            new = {f: i for i, f in enumerate(keep)}
            with open(os.path.join(tmp, "gt", video + ".txt"), "w") as dst:
                dst.write("".join(labels[f] + "\n" for f in keep))
            renumber(os.path.join(planted, "gt", "tracks", video + ".txt"), os.path.join(tmp, "gt", "tracks", video + ".txt"), 1, new)
            renumber(os.path.join(planted, "scores", video + ".csv"), os.path.join(tmp, "scores", video + ".csv"), 0, new, header=True)
            renumber(os.path.join(planted, "scores", video + ".regions.txt"), os.path.join(tmp, "scores", video + ".regions.txt"), 0, new)
        subprocess.run([ssmtl, "eval", "--scores", os.path.join(tmp, "scores"), "--gt", os.path.join(tmp, "gt"),
                        "--dataset", "generic", "--json", os.path.join(tmp, "metrics.json"), "--quiet"],
                       check=True, stdout=subprocess.DEVNULL)
        return json.load(open(os.path.join(tmp, "metrics.json")))
    finally:
        shutil.rmtree(tmp)

if __name__ == "__main__":
    arguments = sys.argv[1:]
    guard = 0
    if "--guard" in arguments:
        at = arguments.index("--guard")
        if at + 1 >= len(arguments) or not arguments[at + 1].isdigit() or int(arguments[at + 1]) < 1:
            sys.exit("planted_kinds.py: --guard needs a number of frames, 1 or more")
        guard = int(arguments[at + 1])
        del arguments[at:at + 2]
    if guard and "--regions" in arguments:
        sys.exit("planted_kinds.py: --guard and --regions do not go together")
    main([a for a in arguments if a != "--regions"], regions="--regions" in arguments, guard=guard)
