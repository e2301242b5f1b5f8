import COpenSSL
import Foundation
import Security

/// A software passkey for the integration tests: one ES256 credential (a P-256 key made by
/// OpenSSL), answering the options our pages hand `public/passkeys.js` as a browser's
/// authenticator would (WebAuthn §6.3.2, §6.3.3; "none" attestation).
final class SoftAuthenticator {
    let credentialID = SecureRandom.bytes(32)
    var counter: UInt32 = 0
    /// Whether it verifies the user (UV): the device's PIN or biometric.
    var verifiesUser = true
    var origin = "http://localhost:3000"
    var rpIDOverride: String?
    /// The user handle it was registered with (discoverable: handed back at login).
    private(set) var userHandle: [UInt8]?
    private let key: OpaquePointer

    init() {
        let context = EVP_PKEY_CTX_new_from_name(nil, "EC", nil)
        defer { EVP_PKEY_CTX_free(context) }
        var generated: OpaquePointer?
        precondition(EVP_PKEY_keygen_init(context) == 1 && EVP_PKEY_CTX_set_group_name(context, "P-256") == 1
                     && EVP_PKEY_generate(context, &generated) == 1)
        key = generated!
    }

    deinit { EVP_PKEY_free(key) }

    /// The uncompressed public point: 0x04 ‖ x ‖ y.
    private var publicPoint: [UInt8] {
        var point = [UInt8](repeating: 0, count: 65)
        var length = 0
        precondition(EVP_PKEY_get_octet_string_param(key, "encoded-pub-key", &point, 65, &length) == 1 && length == 65)
        return point
    }

    var coseKey: CBOR {
        let point = publicPoint
        return .map([.init(key: .unsigned(1), value: .unsigned(2)), .init(key: .unsigned(3), value: .negative(6)),
                     .init(key: .negative(0), value: .unsigned(1)), .init(key: .negative(1), value: .bytes(Array(point[1..<33]))),
                     .init(key: .negative(2), value: .bytes(Array(point[33..<65])))])
    }

    func sign(_ message: [UInt8]) -> [UInt8] {
        let context = EVP_MD_CTX_new()
        defer { EVP_MD_CTX_free(context) }
        precondition(EVP_DigestSignInit(context, nil, EVP_sha256(), nil, key) == 1)
        var length = 0
        precondition(EVP_DigestSign(context, nil, &length, message, message.count) == 1)
        var signature = [UInt8](repeating: 0, count: length)
        precondition(EVP_DigestSign(context, &signature, &length, message, message.count) == 1)
        return Array(signature.prefix(length))
    }

    private func clientData(_ type: String, challenge: String) -> [UInt8] {
        Array("{\"type\":\"\(type)\",\"challenge\":\"\(challenge)\",\"origin\":\"\(origin)\",\"crossOrigin\":false}".utf8)
    }

    private func authData(rpID: String, attested: Bool) -> [UInt8] {
        var flags: UInt8 = 0x01 | (verifiesUser ? 0x04 : 0) | 0x08 | 0x10
        if attested { flags |= 0x40 }
        var data = Digest.sha256(rpIDOverride ?? rpID) + [flags] + withUnsafeBytes(of: counter.bigEndian, Array.init)
        if attested {
            data += [UInt8](repeating: 0, count: 16) + [UInt8(credentialID.count >> 8), UInt8(credentialID.count & 0xFF)]
            data += credentialID + coseKey.encoded()
        }
        return data
    }

    /// The form fields of POST /user/passkeys, for creation options as the page carries them.
    func register(_ options: [String: Any]) -> [(String, String)] {
        let rp = options["rp"] as! [String: Any], user = options["user"] as! [String: Any]
        userHandle = Base64URL.decode(user["id"] as! String)
        let client = clientData("webauthn.create", challenge: options["challenge"] as! String)
        let object = CBOR.map([.init(key: .text("fmt"), value: .text("none")), .init(key: .text("attStmt"), value: .map([])),
                               .init(key: .text("authData"), value: .bytes(authData(rpID: rp["id"] as! String, attested: true)))])
        return [("client_data_json", Base64URL.encode(client)), ("attestation_object", Base64URL.encode(object.encoded()))]
    }

    /// The form fields of an assertion (second step or login), for request options.
    func assert(_ options: [String: Any], userHandle handle: [UInt8]? = nil) -> [(String, String)] {
        counter += 1
        let client = clientData("webauthn.get", challenge: options["challenge"] as! String)
        let data = authData(rpID: options["rpId"] as! String, attested: false)
        let signature = sign(data + Digest.sha256(client))
        return [("credential_id", Base64URL.encode(credentialID)), ("client_data_json", Base64URL.encode(client)),
                ("authenticator_data", Base64URL.encode(data)), ("signature", Base64URL.encode(signature)),
                ("user_handle", (handle ?? userHandle).map(Base64URL.encode) ?? "")]
    }

    /// The options in a page's `data-options` attribute.
    static func options(in page: String) -> [String: Any]? {
        guard let range = page.range(of: #"data-options="[^"]*""#, options: .regularExpression) else { return nil }
        let escaped = page[range].dropFirst("data-options=\"".count).dropLast()
        let json = escaped.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
        return try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
    }
}
