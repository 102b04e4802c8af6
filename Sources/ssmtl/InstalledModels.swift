import Foundation

/// Files of this installation's Models/ folder (where Scripts/fetch_models.sh puts the COCO weights): the folder
/// beside the running executable or in one of its parents, as in the checkout it was built in
/// (.build/<triple>/release/ssmtl -> the checkout's Models/).
enum InstalledModels {
    static func file(_ name: String) -> String? {
        guard var folder = Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent() else { return nil }
        for _ in 0..<5 {
            let candidate = folder.appendingPathComponent("Models").appendingPathComponent(name).path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            folder.deleteLastPathComponent()
        }
        return nil
    }
}
