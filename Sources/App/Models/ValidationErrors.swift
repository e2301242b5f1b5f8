/// Form errors keyed by field name, in the order they were found, so each message
/// can be shown next to its field.
public struct ValidationErrors: Sendable, Equatable {
    public private(set) var messages: [(field: String, message: String)] = []

    public init() {}

    public var isEmpty: Bool { messages.isEmpty }

    /// Keeps the first message per field: one clear reason beats a list.
    public mutating func add(_ field: String, _ message: String) {
        guard self[field] == nil else { return }
        messages.append((field, message))
    }

    public subscript(field: String) -> String? {
        messages.first { $0.field == field }?.message
    }

    public static func == (a: ValidationErrors, b: ValidationErrors) -> Bool {
        a.messages.map { "\($0.field)=\($0.message)" } == b.messages.map { "\($0.field)=\($0.message)" }
    }
}
