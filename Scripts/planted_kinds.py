#!/usr/bin/env python3
"""Planted AUC by kind of stretch: for each run folder (RUN/planted from Scripts/planted_criterion.sh), the frame AUC
of each score column when the anomalous frames are those of one kind only (speed, reverse, paste) against all
normal frames of the same planted videos. Pure Python (no NumPy): AUC by ranks with ties averaged.

    python3 Scripts/planted_kinds.py RUN...
"""
import csv, os, sys
from collections import defaultdict

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

def main(runs):
    for run in runs:
        planted = os.path.join(run, "planted")
        frames = os.path.join(planted, "frames")
        videos = sorted(os.listdir(frames))
        # Every score column the CSVs hold (score, then the model's heads), whatever the model scores.
        with open(os.path.join(planted, "scores", videos[0] + ".csv")) as f:
            columns = [c for c in next(csv.reader(f)) if c != "frame"]
        print(f"{'run':<40} {'kind':<8} " + " ".join(f"{c:>6}" for c in columns))
        kind_of = {}   # (video, frame) -> kind
        for video in videos:
            source = os.path.realpath(os.path.join(frames, video))
            with open(os.path.join(os.path.dirname(os.path.dirname(source)), "plan.csv")) as f:
                for row in csv.DictReader(f):
                    if row["video"] == video:
                        for k in range(int(row["start"]), int(row["start"]) + int(row["length"])):
                            kind_of[(video, k)] = row["kind"]
        values = defaultdict(lambda: defaultdict(list))   # kind or "normal" -> column -> values
        for video in videos:
            with open(os.path.join(planted, "scores", video + ".csv")) as f:
                for row in csv.DictReader(f):
                    kind = kind_of.get((video, int(row["frame"])), "normal")
                    for c in columns:
                        values[kind][c].append(float(row[c]))
        for kind in ["speed", "reverse", "paste"]:
            cells = " ".join(f"{100 * auc(values[kind][c], values['normal'][c]):6.2f}" for c in columns)
            print(f"{run:<40} {kind:<8} {cells}")

if __name__ == "__main__":
    main(sys.argv[1:])
