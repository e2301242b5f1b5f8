import Foundation
import Support

/// The JSON settings file of one environment, read through typed accessors that
/// apply the environment-variable override and say precisely what is wrong.
struct ConfigFile {
    let path: String
    private let values: [String: Any]
    private let environment: [String: String]

    init(path: String, environment: [String: String]) throws {
        self.path = path
        self.environment = environment
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError("cannot read \(path)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data), let dict = object as? [String: Any] else {
            throw ConfigError("\(path) is not a JSON object")
        }
        values = dict
    }

    func string(_ key: String, env: String, default fallback: String? = nil) throws -> String {
        if let value = environment[env] { return value }
        if let value = values[key] {
            guard let s = value as? String else { throw ConfigError("\(path): \"\(key)\" must be a string") }
            return s
        }
        if let fallback { return fallback }
        throw ConfigError("\(path): \"\(key)\" is missing (or set \(env))")
    }

    func int(_ key: String, env: String, in range: ClosedRange<Int>, default fallback: Int? = nil) throws -> Int {
        let number: Int
        if let text = environment[env] {
            guard let n = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw ConfigError("\(env) must be a whole number (got \"\(text)\")")
            }
            number = n
        } else if let value = values[key] {
            // JSON true/false also bridge to Int; NSNumber's type code tells them apart ("c" = bool).
            guard let n = value as? Int, let boxed = value as? NSNumber, String(cString: boxed.objCType) != "c" else {
                throw ConfigError("\(path): \"\(key)\" must be a whole number")
            }
            number = n
        } else if let fallback {
            number = fallback
        } else {
            throw ConfigError("\(path): \"\(key)\" is missing (or set \(env))")
        }
        guard range.contains(number) else {
            throw ConfigError("\(env) / \"\(key)\" must be between \(range.lowerBound) and \(range.upperBound) (got \(number))")
        }
        return number
    }

    func logLevel(_ key: String, env: String) throws -> Log.Level {
        let name = try string(key, env: env, default: "info")
        switch name.lowercased() {
        case "debug": return .debug
        case "info": return .info
        case "warning", "warn": return .warning
        case "error": return .error
        default: throw ConfigError("\(env) / \"\(key)\" must be debug, info, warning or error (got \"\(name)\")")
        }
    }
}
