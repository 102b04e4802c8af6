#!/usr/bin/env python3
"""Writes Tests/DetectionTests/Fixtures/darknet/coco/: what OpenCV DNN 4.x makes of real frames with the real
COCO YOLOv3-tiny weights (Models/yolov3-tiny.weights from Scripts/fetch_models.sh), for the exactness tests.

For each frame (two Ped2 test frames, two Avenue training frames):
  <name>.png            the frame, RGB, lossless: the test reads these very pixels
  <name>.blob.f32       every BLOB_STRIDE-th value of the network input, made here by darknet's own resize
                        arithmetic (image.c resize_image / letterbox_image, float32) in NumPy
  <name>.L<k>.f32       every OUT_STRIDE-th raw value of layer k (the convolutions feeding the two [yolo] layers),
                        from OpenCV DNN on that input, followed by the layer's whole objectness planes
  manifest.json         per frame: source, resize mode, the blob's sum and sum of squares (float64), the strides,
                        and the boxes after darknet's thresholds and per-class NMS at confidence 0.25 and 0.5:
                        [x1, y1, x2, y2, confidence, class] in inclusive frame pixels

The boxes come from OpenCV's own yolo layer output (sigmoid/exp decoding, rows of x, y, w, h, objectness, class
scores), thresholded as darknet does (objectness > t, class probability objectness * sigmoid > t), suppressed per
class with cv2.dnn.NMSBoxes (IoU > 0.45) and mapped back from the letterbox as darknet's correct_yolo_boxes.

Needs the datasets (../shared/datasets), NumPy and OpenCV 4.x (5.0 removed the Darknet importer):
    Scripts/fetch_models.sh
    pip install --target /tmp/cv4 'opencv-python-headless>=4.8,<5'
    PYTHONPATH=/tmp/cv4 python3 Scripts/make_yolo_fixtures.py [DATASETS]
"""
import json, os, sys
import numpy as np
import cv2

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "DetectionTests", "Fixtures", "darknet", "coco")
CFG = os.path.join(ROOT, "Models", "yolov3-tiny.cfg")
WEIGHTS = os.path.join(ROOT, "Models", "yolov3-tiny.weights")
NET = 416
BLOB_STRIDE = 101
OUT_STRIDE = 23
NMS = 0.45
RAW_LAYERS = [15, 22]          # the convolutions feeding [yolo] layers 16 and 23
ANCHORS_PER_LAYER = 3
ENTRIES = 85                   # x, y, w, h, objectness, 80 classes

# (fixture name, dataset-relative source, frame index, resize mode)
FRAMES = [
    ("ped2-test01-f150", "ped2/testing/frames/01", 150, "letterbox"),
    ("ped2-test04-f100", "ped2/testing/frames/04", 100, "stretch"),
    ("avenue-train10-f300", "avenue/training_videos/10.mp4", 300, "letterbox"),
    ("avenue-train16-f150", "avenue/training_videos/16.avi", 150, "stretch"),
]

def read_frame(datasets, source, index):
    """RGB uint8 (h, w, 3) of frame `index` of a frame folder or a video file."""
    path = os.path.join(datasets, source)
    if os.path.isdir(path):
        files = sorted(f for f in os.listdir(path) if f.lower().endswith((".jpg", ".png", ".tif", ".bmp")))
        bgr = cv2.imread(os.path.join(path, files[index]), cv2.IMREAD_COLOR)
    else:
        cap = cv2.VideoCapture(path)
        for _ in range(index + 1):
            ok, bgr = cap.read()
            if not ok:
                raise SystemExit("%s: no frame %d" % (path, index))
    if bgr is None:
        raise SystemExit("%s: cannot read frame %d" % (path, index))
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)

def darknet_resize(im, w, h):
    """darknet image.c resize_image on a CHW float32 image: a horizontal pass then a vertical one, float32."""
    c, ih, iw = im.shape
    f32 = np.float32
    w_scale = f32(iw - 1) / f32(w - 1)
    h_scale = f32(ih - 1) / f32(h - 1)
    part = np.zeros((c, ih, w), np.float32)
    for x in range(w):
        if x == w - 1 or iw == 1:
            part[:, :, x] = im[:, :, iw - 1]
        else:
            sx = f32(x) * w_scale
            ix = int(sx)
            dx = f32(sx - f32(ix))
            part[:, :, x] = (f32(1) - dx) * im[:, :, ix] + dx * im[:, :, ix + 1]
    out = np.zeros((c, h, w), np.float32)
    for y in range(h):
        sy = f32(y) * h_scale
        iy = int(sy)
        dy = f32(sy - f32(iy))
        out[:, y, :] = (f32(1) - dy) * part[:, iy, :]
        if y == h - 1 or ih == 1:
            continue
        out[:, y, :] += dy * part[:, iy + 1, :]
    return out

def geometry(iw, ih, mode):
    """darknet letterbox_image's integer size of the resized image inside the NET x NET input."""
    if mode == "stretch":
        return NET, NET
    if NET * ih < NET * iw:          # w/im.w < h/im.h
        return NET, ih * NET // iw
    return iw * NET // ih, NET

def network_input(rgb, mode):
    ih, iw, _ = rgb.shape
    im = rgb.transpose(2, 0, 1).astype(np.float32) / np.float32(255)
    new_w, new_h = geometry(iw, ih, mode)
    resized = darknet_resize(im, new_w, new_h)
    blob = np.full((3, NET, NET), 0.5, np.float32)
    ox, oy = (NET - new_w) // 2, (NET - new_h) // 2
    blob[:, oy:oy + new_h, ox:ox + new_w] = resized
    return blob

def opencv_name(names, k):
    hits = [n for n in names if n.rsplit("_", 1)[-1] == str(k)]
    if not hits:
        raise SystemExit("no OpenCV layer for darknet layer %d: %s" % (k, names))
    return hits[-1]

def boxes_after_nms(rows, iw, ih, mode, thresh):
    """darknet's thresholds and per-class NMS on OpenCV's decoded rows, boxes mapped back to frame pixels."""
    keep = rows[:, 4] > thresh
    rows = rows[keep]
    if len(rows) == 0:
        return []
    probs = np.where(rows[:, 5:] > thresh, rows[:, 5:], 0).astype(np.float32)
    rects = [[float(r[0] - r[2] / 2), float(r[1] - r[3] / 2), float(r[2]), float(r[3])] for r in rows]
    for k in range(probs.shape[1]):
        idx = np.nonzero(probs[:, k] > 0)[0]
        if len(idx) < 2:
            continue
        kept = cv2.dnn.NMSBoxes([rects[i] for i in idx], [float(probs[i, k]) for i in idx], 0.0, NMS)
        kept = set(int(i) for i in np.array(kept).reshape(-1))
        for j, i in enumerate(idx):
            if j not in kept:
                probs[i, k] = 0
    new_w, new_h = geometry(iw, ih, mode)
    sx, sy = new_w / NET, new_h / NET
    ox, oy = (NET - new_w) / 2 / NET, (NET - new_h) / 2 / NET
    out = []
    for r, p in zip(rows, probs):
        best = int(np.argmax(p))
        if not p[best] > thresh:
            continue
        cx, cy = (r[0] - ox) / sx * iw, (r[1] - oy) / sy * ih
        w, h = r[2] / sx * iw, r[3] / sy * ih
        clamp = lambda v, upper: int(max(0, min(upper, np.floor(v))))
        out.append([clamp(cx - w / 2, iw - 1), clamp(cy - h / 2, ih - 1), clamp(cx + w / 2, iw - 1),
                    clamp(cy + h / 2, ih - 1), round(float(p[best]), 6), best])
    return sorted(out, key=lambda b: (b[5], -b[4], b[0], b[1]))

def main():
    datasets = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "datasets")
    if not os.path.isfile(WEIGHTS):
        raise SystemExit("%s is missing: run Scripts/fetch_models.sh" % WEIGHTS)
    os.makedirs(OUT, exist_ok=True)
    net = cv2.dnn.readNetFromDarknet(CFG, WEIGHTS)
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
    names = list(net.getLayerNames())
    raw_names = [opencv_name(names, k) for k in RAW_LAYERS]
    yolo_names = list(net.getUnconnectedOutLayersNames())
    manifest = []
    for name, source, index, mode in FRAMES:
        rgb = read_frame(datasets, source, index)
        ih, iw, _ = rgb.shape
        cv2.imwrite(os.path.join(OUT, name + ".png"), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
                    [cv2.IMWRITE_PNG_COMPRESSION, 9])
        blob = network_input(rgb, mode)
        blob.reshape(-1)[::BLOB_STRIDE].astype("<f4").tofile(os.path.join(OUT, name + ".blob.f32"))
        net.setInput(blob[None])
        outs = net.forward(raw_names + yolo_names)
        layers = []
        for k, o in zip(RAW_LAYERS, outs[:len(RAW_LAYERS)]):
            o = np.asarray(o, dtype=np.float32).reshape(ANCHORS_PER_LAYER, ENTRIES, -1)
            objectness = o[:, 4, :].reshape(-1)
            values = np.concatenate([o.reshape(-1)[::OUT_STRIDE], objectness]).astype("<f4")
            values.tofile(os.path.join(OUT, "%s.L%d.f32" % (name, k)))
            layers.append({"layer": k, "count": int(o.size), "plane": int(o.shape[2]), "maxAbs": float(np.abs(o).max())})
        rows = np.concatenate([np.asarray(o, dtype=np.float32).reshape(-1, ENTRIES) for o in outs[len(RAW_LAYERS):]])
        boxes = {str(t): boxes_after_nms(rows, iw, ih, mode, t) for t in (0.25, 0.5)}
        blob64 = blob.astype(np.float64)
        manifest.append({"name": name, "source": "%s frame %d" % (source, index), "resize": mode,
                         "width": iw, "height": ih, "blobSum": float(blob64.sum()),
                         "blobSumSquares": float((blob64 ** 2).sum()), "layers": layers, "boxes": boxes})
        print(name, mode, "%dx%d" % (iw, ih), {t: len(b) for t, b in boxes.items()},
              [(b[5], b[4]) for b in boxes["0.25"]][:8])
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump({"opencv": cv2.__version__, "net": NET, "blobStride": BLOB_STRIDE, "outStride": OUT_STRIDE,
                   "nms": NMS, "frames": manifest}, f, indent=1)

if __name__ == "__main__":
    main()
