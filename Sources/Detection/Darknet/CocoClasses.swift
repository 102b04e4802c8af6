import Foundation

/// The 80 COCO classes in the order of the Darknet COCO models' outputs (what `coco.names` lists), and the names
/// `--classes` accepts.
public enum CocoClasses {
    public static let names = [
        "person", "bicycle", "car", "motorbike", "aeroplane", "bus", "train", "truck", "boat", "traffic light",
        "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
        "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
        "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard",
        "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
        "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "sofa",
        "pottedplant", "bed", "diningtable", "toilet", "tvmonitor", "laptop", "mouse", "remote", "keyboard",
        "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors",
        "teddy bear", "hair drier", "toothbrush",
    ]

    /// Groups for surveillance scenes: `vehicles` is every COCO road vehicle.
    public static let groups: [String: [Int]] = [
        "vehicles": [1, 2, 3, 5, 7],   // bicycle, car, motorbike, bus, truck
    ]

    /// Sorted class indices of a comma-separated list of class indices, COCO names and group names; nil and the
    /// offending item when one is none of them.
    public static func parse(_ list: String) -> Result<[Int], ClassListError> {
        var indices = Set<Int>()
        for raw in list.split(separator: ",", omittingEmptySubsequences: false) {
            let item = raw.trimmingCharacters(in: .whitespaces).lowercased()
            if let index = Int(item), index >= 0, index <= 1 << 16 {
                indices.insert(index)
            } else if let index = names.firstIndex(of: item) {
                indices.insert(index)
            } else if let group = groups[item] {
                indices.formUnion(group)
            } else {
                return .failure(ClassListError(item: item))
            }
        }
        return indices.isEmpty ? .failure(ClassListError(item: list)) : .success(indices.sorted())
    }
}

public struct ClassListError: Error, CustomStringConvertible {
    public let item: String
    public var description: String {
        "'\(item)' is not a class index, a COCO class name (person, car, bus, ...) or 'vehicles'"
    }
}
