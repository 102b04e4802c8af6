#!/usr/bin/env python3
"""Writes the Darknet test fixtures of Tests/DetectionTests/Fixtures/darknet:

  for each of Models/yolov3-tiny-mini.cfg, Models/yolov3-mini.cfg, Models/classifier-mini.cfg:
    <name>.weights        random weights in darknet's .weights layout (header 0.2.0 + int64 seen;
                          per conv: biases, [scales, rolling_mean, rolling_variance], weights OIHW;
                          per connected: biases, weights, [scales, rolling_mean, rolling_variance])
    <name>.input.f32      the input blob (1 x C x H x W float32, little endian, uniform [0,1), seed 7)
    <name>.L<k>.f32       OpenCV DNN's output of darknet layer k (the inputs of the yolo layers; the classifier's
                          last layer)
  manifest.json           names, layer indices and shapes.

OpenCV's own yolo layer ("Region") applies sigmoid/exp and reorders to (cells*anchors, 5+classes) rows, so the
comparable tensors are the raw outputs of the convolutions that feed the [yolo] layers (same CHW layout as darknet).

Needs numpy and OpenCV 4.x with the Darknet importer (OpenCV 5 removed cv2.dnn.readNetFromDarknet):
    pip install --target /tmp/cv4 'opencv-python-headless>=4.8,<5'
    PYTHONPATH=/tmp/cv4 python3 Scripts/make_darknet_fixtures.py
"""
import json, os, struct, sys
import numpy as np
import cv2

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "DetectionTests", "Fixtures", "darknet")
NAMES = ["yolov3-tiny-mini", "yolov3-mini", "classifier-mini"]

def parse_cfg(path):
    sections = []
    for line in open(path):
        line = "".join(line.split())
        if not line or line[0] in "#;":
            continue
        if line[0] == "[":
            sections.append((line[1:-1], {}))
        else:
            k, v = line.split("=", 1)
            sections[-1][1][k] = v
    return sections

def layer_shapes(sections):
    """Darknet shape propagation (enough for the fixture cfgs): [(type, options, in_shape, out_shape)]."""
    net = sections[0][1]
    shape = (int(net["channels"]), int(net["height"]), int(net["width"]))
    layers = []
    for t, o in sections[1:]:
        c, h, w = shape
        if t == "convolutional":
            f, s, st = int(o.get("filters", 1)), int(o.get("size", 1)), int(o.get("stride", 1))
            p = s // 2 if int(o.get("pad", 0)) else int(o.get("padding", 0))
            out = (f, (h + 2 * p - s) // st + 1, (w + 2 * p - s) // st + 1)
        elif t == "maxpool":
            st = int(o.get("stride", 1)); s = int(o.get("size", st)); p = int(o.get("padding", s - 1))
            out = (c, (h + p - s) // st + 1, (w + p - s) // st + 1)
        elif t == "upsample":
            st = int(o.get("stride", 2)); out = (c, h * st, w * st)
        elif t == "route":
            idx = [int(v) for v in o["layers"].split(",")]
            idx = [i if i >= 0 else len(layers) + i for i in idx]
            g = int(o.get("groups", 1))
            out = (sum(layers[i][3][0] // g for i in idx), layers[idx[0]][3][1], layers[idx[0]][3][2])
        elif t == "avgpool":
            out = (c, 1, 1)
        elif t == "connected":
            out = (int(o["output"]), 1, 1)
        else:
            out = shape
        layers.append((t, o, shape, out))
        shape = out
    return layers

def random_weights(layers, rng):
    floats = []
    for t, o, (c, h, w), out in layers:
        bn = int(o.get("batch_normalize", 0))
        if t == "convolutional":
            n, s, g = out[0], int(o.get("size", 1)), int(o.get("groups", 1))
            fan_in = c // g * s * s
            parts = [rng.normal(0, 0.1, n)]
            if bn:
                parts += [rng.uniform(0.5, 1.5, n), rng.normal(0, 0.1, n), rng.uniform(0.5, 1.5, n)]
            parts.append(rng.normal(0, 1 / np.sqrt(fan_in), n * fan_in))
        elif t == "connected":
            n, fan_in = out[0], c * h * w
            parts = [rng.normal(0, 0.1, n), rng.normal(0, 1 / np.sqrt(fan_in), n * fan_in)]
            if bn:
                parts += [rng.uniform(0.5, 1.5, n), rng.normal(0, 0.1, n), rng.uniform(0.5, 1.5, n)]
        else:
            continue
        floats += parts
    return np.concatenate(floats).astype("<f4")

def write_weights(path, floats):
    with open(path, "wb") as f:
        f.write(struct.pack("<iiiQ", 0, 2, 0, 0))
        f.write(floats.tobytes())

def main():
    os.makedirs(OUT, exist_ok=True)
    manifest = []
    for seed, name in enumerate(NAMES):
        cfg = os.path.join(ROOT, "Models", name + ".cfg")
        layers = layer_shapes(parse_cfg(cfg))
        rng = np.random.default_rng(100 + seed)
        weights_path = os.path.join(OUT, name + ".weights")
        floats = random_weights(layers, rng)
        write_weights(weights_path, floats)
        c, h, w = layers[0][2]
        blob = np.random.default_rng(7).uniform(0, 1, (1, c, h, w)).astype("<f4")
        blob.tofile(os.path.join(OUT, name + ".input.f32"))
        net = cv2.dnn.readNetFromDarknet(cfg, weights_path)
        net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
        net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
        net.setInput(blob)
        yolo = [i for i, l in enumerate(layers) if l[0] == "yolo"]
        # OpenCV 4.x's darknet importer rejects [connected] layers (bias blob assertion), so the fixture classifier
        # ends like darknet53: 1x1 conv -> [avgpool] -> [softmax]; [connected] is tested in Swift only.
        targets = [i - 1 for i in yolo] if yolo else [len(layers) - 1]
        names = list(net.getLayerNames())
        if "--names" in sys.argv:
            print(name, names)
        # OpenCV names darknet layers "<type>_<index>" (with extra "bn_k", "relu_k" for the parts of a conv);
        # the last OpenCV layer carrying index k is darknet layer k's output.
        def opencv_name(k):
            hits = [n for n in names if n.rsplit("_", 1)[-1] == str(k)]
            if not hits:
                raise SystemExit("no OpenCV layer for darknet layer %d in %s: %s" % (k, name, names))
            return hits[-1]
        outs = net.forward([opencv_name(k) for k in targets])
        entries = []
        for k, o in zip(targets, outs):
            o = np.asarray(o, dtype="<f4").reshape(-1)
            expected = int(np.prod(layers[k][3]))
            assert o.size == expected, (name, k, o.shape, layers[k][3])
            o.tofile(os.path.join(OUT, "%s.L%d.f32" % (name, k)))
            entries.append({"layer": k, "opencvLayer": opencv_name(k), "shape": list(layers[k][3]),
                            "maxAbs": float(np.abs(o).max())})
        manifest.append({"name": name, "cfg": name + ".cfg", "input": list(layers[0][2]), "outputs": entries})
        print(name, [(e["layer"], e["opencvLayer"], e["shape"], round(e["maxAbs"], 3)) for e in entries])
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump({"opencv": cv2.__version__, "networks": manifest}, f, indent=1)

def random_weights_file(cfg, out, seed=1):
    """Random full-size weights for a cfg (benchmarks): make_darknet_fixtures.py --random-weights CFG OUT."""
    write_weights(out, random_weights(layer_shapes(parse_cfg(cfg)), np.random.default_rng(seed)))

if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--random-weights":
        random_weights_file(sys.argv[2], sys.argv[3])
    else:
        main()
