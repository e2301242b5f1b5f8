import Database

/// The `client_ref` a Vonage Verify v2 start gave, kept for its callbacks (WebhookDelivery).
/// One row per request, removed with it.
enum VerifyClientRef {
    static func record(requestID: String, clientRef: String, in db: DatabaseConnection) throws {
        try db.execute("""
            INSERT INTO verify_client_refs (request_pk, client_ref) SELECT id, ? FROM verify_requests WHERE request_id = ?
            """, [.text(clientRef), .text(requestID)])
    }
}
