/// A Darknet .cfg file read as data: `[section]` headers and `key=value` lines.
///
/// Grammar (as darknet's `read_cfg`): all blanks are stripped anywhere in a line; a line starting with `#` or `;`
/// or empty is ignored; `[name]` opens a section; anything else must be `key=value` (split at the first `=`).
/// Section names go through `CfgSectionType` (with darknet's aliases); an unknown name is an error with its line.
public struct CfgFile {
    public var file: String
    public var sections: [CfgSection]

    public static func parse(_ text: String, file: String = "<cfg>") throws -> CfgFile {
        var sections: [CfgSection] = []
        var lineNumber = 0
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            let line = String(rawLine.filter { !$0.isWhitespace })
            guard let first = line.first, first != "#", first != ";" else { continue }
            if first == "[" {
                guard line.last == "]", line.count > 2 else {
                    throw DarknetError(file, line: lineNumber, "malformed section header '\(line)'")
                }
                let name = String(line.dropFirst().dropLast()).lowercased()
                guard let type = CfgSectionType(name: name) else {
                    throw DarknetError(file, line: lineNumber, "unknown section [\(name)]")
                }
                sections.append(CfgSection(type: type, name: name, file: file, line: lineNumber))
                continue
            }
            guard let equals = line.firstIndex(of: "="), equals != line.startIndex else {
                throw DarknetError(file, line: lineNumber, "expected key=value, found '\(line)'")
            }
            guard let section = sections.last else {
                throw DarknetError(file, line: lineNumber, "option '\(line)' before the first [section]")
            }
            let key = String(line[..<equals]).lowercased()
            let value = String(line[line.index(after: equals)...])
            section.options.append(CfgOption(key: key, value: value, line: lineNumber))
        }
        guard let first = sections.first, first.type == .net else {
            throw DarknetError(file, line: sections.first?.line, "the first section must be [net]")
        }
        return CfgFile(file: file, sections: sections)
    }

    public static func load(path: String) throws -> CfgFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DarknetError(path, "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw DarknetError(path, "not a UTF-8 text file") }
        return try parse(text, file: path)
    }

    /// Options that no lookup has read, as darknet's "Unused field" notice: one line each.
    public var unusedWarnings: [String] {
        sections.flatMap { section in
            section.options.filter { !$0.used }.map {
                "\(file):\($0.line): unused field '\($0.key) = \($0.value)' in [\(section.name)]"
            }
        }
    }
}

/// The section types this runner understands, with darknet's aliases.
public enum CfgSectionType: String, Sendable {
    case net, convolutional, maxpool, avgpool, upsample, route, shortcut, connected, softmax, yolo, dropout

    public init?(name: String) {
        switch name {
        case "net", "network": self = .net
        case "convolutional", "conv": self = .convolutional
        case "maxpool", "max": self = .maxpool
        case "avgpool", "avg": self = .avgpool
        case "upsample": self = .upsample
        case "route": self = .route
        case "shortcut": self = .shortcut
        case "connected", "conn": self = .connected
        case "softmax", "soft": self = .softmax
        case "yolo": self = .yolo
        case "dropout": self = .dropout
        default: return nil
        }
    }
}

public struct CfgOption: Sendable {
    public var key: String
    public var value: String
    public var line: Int
    public var used = false
}

/// One section: typed lookups that mark the key used and throw (file, line) on a value of the wrong type.
public final class CfgSection {
    public let type: CfgSectionType
    public let name: String
    public let file: String
    public let line: Int
    public fileprivate(set) var options: [CfgOption] = []

    init(type: CfgSectionType, name: String, file: String, line: Int) {
        self.type = type
        self.name = name
        self.file = file
        self.line = line
    }

    /// The raw value of `key` (the last one when repeated), marking it used.
    public func string(_ key: String) -> String? {
        guard let i = options.lastIndex(where: { $0.key == key }) else { return nil }
        for j in options.indices where options[j].key == key { options[j].used = true }
        return options[i].value
    }

    public func string(_ key: String, default value: String) -> String { string(key) ?? value }

    public func int(_ key: String) throws -> Int? {
        guard let text = string(key) else { return nil }
        guard let value = Int(text) else { throw bad(key, text, "an integer") }
        guard abs(value) <= CfgSection.largestInteger else { throw bad(key, text, "an integer of at most 2^24 in size") }
        return value
    }

    /// No Darknet key needs more (the largest are sizes of a few thousand); the cap keeps the shape arithmetic far
    /// from overflow, so absurd values are caught by the size checks instead of trapping.
    static let largestInteger = 1 << 24

    public func int(_ key: String, default value: Int) throws -> Int { try int(key) ?? value }

    public func requiredInt(_ key: String) throws -> Int {
        guard let value = try int(key) else { throw DarknetError(file, line: line, "[\(name)] needs '\(key)='") }
        return value
    }

    public func float(_ key: String, default value: Float) throws -> Float {
        guard let text = string(key) else { return value }
        guard let parsed = Float(text), parsed.isFinite else { throw bad(key, text, "a number") }
        return parsed
    }

    public func intList(_ key: String) throws -> [Int]? {
        guard let text = string(key) else { return nil }
        let parts = text.split(separator: ",", omittingEmptySubsequences: true)
        var values: [Int] = []
        for part in parts {
            guard let value = Int(part), abs(value) <= CfgSection.largestInteger else {
                throw bad(key, text, "a comma-separated list of integers of at most 2^24 in size")
            }
            values.append(value)
        }
        guard !values.isEmpty else { throw bad(key, text, "a comma-separated list of integers") }
        return values
    }

    public func floatList(_ key: String) throws -> [Float]? {
        guard let text = string(key) else { return nil }
        var values: [Float] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: true) {
            guard let value = Float(part), value.isFinite else { throw bad(key, text, "a comma-separated list of numbers") }
            values.append(value)
        }
        guard !values.isEmpty else { throw bad(key, text, "a comma-separated list of numbers") }
        return values
    }

    /// The line of `key` when present (for errors about a valid number with an invalid meaning).
    public func lineOf(_ key: String) -> Int { options.last(where: { $0.key == key })?.line ?? line }

    public func error(_ key: String, _ message: String) -> DarknetError {
        DarknetError(file, line: lineOf(key), "[\(name)] \(key): \(message)")
    }

    private func bad(_ key: String, _ text: String, _ expected: String) -> DarknetError {
        DarknetError(file, line: lineOf(key), "[\(name)] \(key)=\(text) is not \(expected)")
    }
}

import Foundation
