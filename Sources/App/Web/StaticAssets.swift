import Foundation
import HTTP
import Security

/// Files under public/ (the stylesheet), read once at start and served from memory
/// with a content hash as ETag, so browsers revalidate with a cheap 304.
public struct StaticAssets: Sendable {
    struct Asset: Sendable {
        let body: [UInt8]
        let contentType: String
        let etag: String
    }

    private let files: [String: Asset]
    /// `/assets/application.css?v=<hash>`: a new deploy changes the URL, so browsers
    /// can keep the old one cached for a long time.
    public let stylesheetPath: String

    public init(directory: String) throws {
        var files: [String: Asset] = [:]
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names.sorted() where !name.hasPrefix(".") {
            guard let data = FileManager.default.contents(atPath: "\(directory)/\(name)") else { continue }
            let body = [UInt8](data)
            let hash = Hex.encode(Array(Digest.sha256(body).prefix(8)))
            files["/assets/\(name)"] = Asset(body: body, contentType: Self.contentType(of: name), etag: "\"\(hash)\"")
        }
        self.files = files
        let css = files["/assets/application.css"]
        stylesheetPath = "/assets/application.css" + (css.map { "?v=" + $0.etag.filter { $0 != "\"" } } ?? "")
    }

    /// `/assets/<name>?v=<hash>`, like the stylesheet's (a page script, issue 17).
    public func path(of name: String) -> String {
        "/assets/\(name)" + (files["/assets/\(name)"].map { "?v=" + $0.etag.filter { $0 != "\"" } } ?? "")
    }

    func respond(to request: HTTPRequest) -> HTTPResponse? {
        guard let asset = files[request.path] else { return nil }
        guard request.method == "GET" || request.method == "HEAD" else {
            var response = HTTPResponse.text("Method not allowed\n", status: 405)
            response.headers.set("Allow", "GET, HEAD")
            return response
        }
        var response: HTTPResponse
        if request.headers["If-None-Match"]?.split(separator: ",").contains(where: {
            $0.trimmingCharacters(in: .whitespaces) == asset.etag }) == true {
            response = HTTPResponse(status: 304)
        } else {
            response = HTTPResponse(status: 200, body: asset.body)
            response.headers.set("Content-Type", asset.contentType)
        }
        response.headers.set("ETag", asset.etag)
        response.headers.set("Cache-Control", "public, max-age=31536000")
        response.headers.set("X-Content-Type-Options", "nosniff")
        return response
    }

    private static func contentType(of name: String) -> String {
        switch (name as NSString).pathExtension {
        case "css": return "text/css; charset=utf-8"
        case "svg": return "image/svg+xml"
        case "js": return "text/javascript; charset=utf-8"
        case "png": return "image/png"
        case "ico": return "image/x-icon"
        case "txt": return "text/plain; charset=utf-8"
        default: return "application/octet-stream"
        }
    }
}
