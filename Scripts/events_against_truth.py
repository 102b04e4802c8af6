#!/usr/bin/env python3
"""Compares `ssmtl score`'s events with ground truth in the ShanghaiTech layout (`ssmtl synth`'s too):
for each anomaly track (tracks/<video>.txt), whether an event's frames overlap the track's frames; and the events
whose frames hold no anomalous frame (test_frame_mask/<video>.npy), i.e. false alarms on the normal parts.

Usage: Scripts/events_against_truth.py SCORES_DIR GT_DIR
Prints a line per video and a total: tracks overlapped / tracks, events, events on normal frames only.
"""
import csv
import os
import sys

import numpy as np

scores, gt = sys.argv[1], sys.argv[2]
total = dict(tracks=0, hit=0, events=0, false=0, frames=0, normal_frames=0)
for name in sorted(f[: -len(".events.csv")] for f in os.listdir(scores) if f.endswith(".events.csv")):
    with open(os.path.join(scores, name + ".events.csv")) as f:
        events = [(int(r["start_frame"]), int(r["end_frame"])) for r in csv.DictReader(f)]
    mask = np.load(os.path.join(gt, "test_frame_mask", name + ".npy")).astype(bool)
    tracks = {}
    track_file = os.path.join(gt, "tracks", name + ".txt")
    if os.path.exists(track_file):
        for row in np.loadtxt(track_file, delimiter=",", ndmin=2):
            tracks.setdefault(int(row[0]), set()).add(int(row[1]))
    hit = sum(any(s <= f <= e for s, e in events for f in frames) for frames in tracks.values())
    false = sum(not mask[s : e + 1].any() for s, e in events)
    print(f"{name}: tracks overlapped {hit}/{len(tracks)}, events {len(events)}, on normal frames only {false}, "
          f"frames {len(mask)} ({(~mask).sum()} normal)")
    for k, v in dict(tracks=len(tracks), hit=hit, events=len(events), false=false, frames=len(mask),
                     normal_frames=int((~mask).sum())).items():
        total[k] += v
print(f"total: tracks overlapped {total['hit']}/{total['tracks']}, events {total['events']}, on normal frames only "
      f"{total['false']} ({total['normal_frames']} normal frames of {total['frames']})")
