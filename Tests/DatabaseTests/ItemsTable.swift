/// The table the engine tests of both databases work on: one column of each storage class.
enum ItemsTable {
    static let schema = """
        CREATE TABLE items (
            id INTEGER PRIMARY KEY,
            name TEXT UNIQUE,
            amount INTEGER,
            price REAL,
            data BLOB
        );
        """
}
