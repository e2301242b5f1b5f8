/// One schema change, read from a file named `NNNN_name.sql`.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let file: String
    public let sql: String

    public init(version: Int, name: String, file: String, sql: String) {
        self.version = version
        self.name = name
        self.file = file
        self.sql = sql
    }
}
