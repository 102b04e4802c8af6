#!/usr/bin/env python3
"""Label-free fragmentation of a detector's boxes, measured against confident YOLO person boxes.

Usage: detection_fragments.py REFERENCE_DIR CANDIDATE_DIR [MIN_CONFIDENCE]
  REFERENCE_DIR  `ssmtl detect --detector yolo --classes person` CSVs (<video>.csv): the people, kept when their
                 confidence is >= MIN_CONFIDENCE (default 0.5)
  CANDIDATE_DIR  the detector measured (`ssmtl detect` CSVs of the same videos)

Per video and over all, for the candidate's boxes:
  boxes/frame      how many boxes a frame gets
  people           confident YOLO people, over all frames
  touched          people that at least one candidate box overlaps (the moving ones, for a motion detector)
  fragments        over the touched people: the mean number of candidate boxes lying mostly (>= half their area)
                   inside the person. 1 is ideal; 3 means legs, torso and head came out as separate boxes
  whole            over the touched people: the share with one candidate box matching it as a whole (IoU >= 0.5)
  stray/frame      candidate boxes per frame touching no confident person (pillars, shadows, missed people)
No ground truth is read: only the two detectors' boxes, so parameters can be chosen on training videos.
"""
import csv, os, sys
from collections import defaultdict

def load(path, min_confidence=None):
    frames = defaultdict(list)
    count = 0
    with open(path) as f:
        for row in csv.DictReader(f):
            frame = int(row["frame"])
            count = max(count, frame + 1)
            if min_confidence is not None and float(row["confidence"]) < min_confidence:
                continue
            frames[frame].append(tuple(int(row[k]) for k in ("x1", "y1", "x2", "y2")))
    return frames, count

def area(r):
    return (r[2] - r[0] + 1) * (r[3] - r[1] + 1)

def intersection(a, b):
    w = min(a[2], b[2]) - max(a[0], b[0]) + 1
    h = min(a[3], b[3]) - max(a[1], b[1]) + 1
    return w * h if w > 0 and h > 0 else 0

def measure(people, boxes, frames):
    total = dict(frames=frames, boxes=0, people=0, touched=0, fragments=0, whole=0, stray=0)
    for f in range(frames):
        persons, found = people.get(f, []), boxes.get(f, [])
        total["boxes"] += len(found)
        total["people"] += len(persons)
        for p in persons:
            touching = [b for b in found if intersection(p, b) > 0]
            if not touching:
                continue
            total["touched"] += 1
            total["fragments"] += sum(1 for b in touching if intersection(p, b) * 2 >= area(b))
            inter = [intersection(p, b) for b in touching]
            if any(i / (area(p) + area(b) - i) >= 0.5 for i, b in zip(inter, touching)):
                total["whole"] += 1
        total["stray"] += sum(1 for b in found if not any(intersection(p, b) > 0 for p in persons))
    return total

def row(name, t):
    touched = max(t["touched"], 1)
    return "%-12s %7d %11.2f %8d %8d %10.2f %6.1f%% %12.2f" % (
        name, t["frames"], t["boxes"] / max(t["frames"], 1), t["people"], t["touched"], t["fragments"] / touched,
        100.0 * t["whole"] / touched, t["stray"] / max(t["frames"], 1))

def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    reference, candidate = sys.argv[1], sys.argv[2]
    min_confidence = float(sys.argv[3]) if len(sys.argv) == 4 else 0.5
    videos = sorted(f[:-4] for f in os.listdir(candidate) if f.endswith(".csv"))
    if not videos:
        sys.exit("detection_fragments: no CSV files in %s" % candidate)
    print("%-12s %7s %11s %8s %8s %10s %7s %12s" % ("video", "frames", "boxes/frame", "people", "touched", "fragments",
                                                    "whole", "stray/frame"))
    overall = None
    for v in videos:
        ref = os.path.join(reference, v + ".csv")
        if not os.path.isfile(ref):
            sys.exit("detection_fragments: %s has no reference file %s" % (v, ref))
        people, n1 = load(ref, min_confidence)
        boxes, n2 = load(os.path.join(candidate, v + ".csv"))
        t = measure(people, boxes, max(n1, n2))
        print(row(v, t))
        overall = t if overall is None else {k: overall[k] + t[k] for k in t}
    print(row("all", overall))

if __name__ == "__main__":
    main()
