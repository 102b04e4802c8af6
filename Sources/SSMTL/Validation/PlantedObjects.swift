import Foundation
import VideoIO

/// The photographs the `ridden` kind of `ssmtl plant` pastes: vehicles of a class the scene's normal videos do not
/// show. A folder holds pairs `NAME.png` (the photograph, any size) and `NAME.mask.png` (its opacity as grey levels,
/// the same size; 0 transparent, 255 opaque). Each photograph is cut to its mask's bounding box and also used
/// mirrored (the planner picks one of them at random for each stretch).
public enum PlantedObjects {
    public struct Object: Sendable {
        /// `NAME`, or `NAME (mirrored)`.
        public var name: String
        public var sprite: Sprite
    }

    public static let maskSuffix = ".mask.png"

    /// Every pair of `folder`, in name order, each followed by its mirror image.
    public static func load(folder: String) throws -> [Object] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw PlantError(folder, "is not a folder of vehicle photographs")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
            .filter { $0.lowercased().hasSuffix(".png") && !$0.hasSuffix(maskSuffix) }.sorted()
        guard !names.isEmpty else {
            throw PlantError(folder, "holds no photograph (NAME.png with its opacity in NAME\(maskSuffix))")
        }
        var objects: [Object] = []
        for file in names {
            let name = String(file.dropLast(4))
            let photo = try ImageFile.read(path: folder + "/" + file, layout: .rgb24)
            let maskPath = folder + "/" + name + maskSuffix
            guard FileManager.default.fileExists(atPath: maskPath) else { throw PlantError(maskPath, "is missing (the opacity of \(file))") }
            let mask = try ImageFile.read(path: maskPath, layout: .gray8)
            guard mask.width == photo.width, mask.height == photo.height else {
                throw PlantError(maskPath, "is \(mask.width)x\(mask.height), its photograph \(photo.width)x\(photo.height)")
            }
            guard let sprite = cut(photo, mask: mask) else { throw PlantError(maskPath, "is transparent everywhere") }
            objects.append(Object(name: name, sprite: sprite))
            objects.append(Object(name: name + " (mirrored)", sprite: mirrored(sprite)))
        }
        return objects
    }

    /// The photograph inside the bounding box of its mask's non-zero pixels, opacity = mask / 255; nil when the mask
    /// is zero everywhere.
    static func cut(_ photo: Frame, mask: Frame) -> Sprite? {
        var x1 = Int.max, y1 = Int.max, x2 = -1, y2 = -1
        for y in 0..<mask.height {
            for x in 0..<mask.width where mask.pixels[y * mask.width + x] > 0 {
                x1 = min(x1, x); x2 = max(x2, x); y1 = min(y1, y); y2 = max(y2, y)
            }
        }
        guard x2 >= 0 else { return nil }
        let w = x2 - x1 + 1, h = y2 - y1 + 1
        var rgb = [UInt8](repeating: 0, count: w * h * 3)
        var alpha = [Float](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let p = (y1 + y) * photo.width + x1 + x, q = y * w + x
                for c in 0..<3 { rgb[3 * q + c] = photo.pixels[3 * p + c] }
                alpha[q] = Float(mask.pixels[p]) / 255
            }
        }
        return Sprite(width: w, height: h, rgb: rgb, alpha: alpha)
    }

    /// The sprite in grey levels (the luma of each pixel in all three channels).
    public static func grey(_ sprite: Sprite) -> Sprite {
        var out = sprite
        for p in 0..<(sprite.width * sprite.height) {
            let r = Int(sprite.rgb[3 * p]), g = Int(sprite.rgb[3 * p + 1]), b = Int(sprite.rgb[3 * p + 2])
            let y = UInt8((Luma.red * r + Luma.green * g + Luma.blue * b + 500) / 1000)
            out.rgb[3 * p] = y; out.rgb[3 * p + 1] = y; out.rgb[3 * p + 2] = y
        }
        return out
    }

    static func mirrored(_ sprite: Sprite) -> Sprite {
        var out = sprite
        for y in 0..<sprite.height {
            for x in 0..<sprite.width {
                let from = y * sprite.width + sprite.width - 1 - x, to = y * sprite.width + x
                out.alpha[to] = sprite.alpha[from]
                for c in 0..<3 { out.rgb[3 * to + c] = sprite.rgb[3 * from + c] }
            }
        }
        return out
    }
}
