import Foundation
import XCTest
import Security

/// Security's RS256 signer, checked against the openssl CLI (an independent implementation).
final class RS256SignerTests: XCTestCase {
    func testSignatureIsExactlyWhatOpenSSLProduces() throws {
        let signer = try RS256Signer(pemFile: OpenSSLTool.rsaKey.privatePath)
        let message = Array("eyJhbGciOiJSUzI1NiJ9.eyJhIjoxfQ".utf8)
        let signature = try signer.sign(message)
        XCTAssertEqual(signature.count, 256)
        // PKCS#1 v1.5 is deterministic: same key, same message, same bytes.
        XCTAssertEqual(signature, try OpenSSLTool.signRS256(message: message))
        XCTAssertTrue(try OpenSSLTool.verifyRS256(message: message, signature: signature))
    }

    func testJWTIsHeaderClaimsSignature() throws {
        let signer = try RS256Signer(pemFile: OpenSSLTool.rsaKey.privatePath)
        let token = try JWT.rs256(claimsJSON: #"{"application_id":"app","iat":1}"#, signer: signer)
        let parts = token.split(separator: ".").map(String.init)
        XCTAssertEqual(parts.count, 3)
        XCTAssertEqual(Base64URL.decode(parts[0]).map { String(decoding: $0, as: UTF8.self) }, #"{"alg":"RS256","typ":"JWT"}"#)
        XCTAssertEqual(Base64URL.decode(parts[1]).map { String(decoding: $0, as: UTF8.self) }, #"{"application_id":"app","iat":1}"#)
        XCTAssertTrue(try OpenSSLTool.verifyRS256(message: Array("\(parts[0]).\(parts[1])".utf8),
                                                  signature: XCTUnwrap(Base64URL.decode(parts[2]))))
    }

    func testUnusableKeysAreRefusedWithAReason() throws {
        XCTAssertThrowsError(try RS256Signer(pem: "-----BEGIN PRIVATE KEY-----\nnonsense\n-----END PRIVATE KEY-----\n")) {
            XCTAssertTrue("\($0)".contains("not a readable"), "\($0)")
        }
        XCTAssertThrowsError(try RS256Signer(pemFile: "/nonexistent/key.pem")) {
            XCTAssertTrue("\($0)".contains("cannot read"), "\($0)")
        }
        let ec = OpenSSLTool.directory + "/test-only-ec.pem"
        try OpenSSLTool.run(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", ec])
        XCTAssertThrowsError(try RS256Signer(pemFile: ec)) { XCTAssertTrue("\($0)".contains("not an RSA key"), "\($0)") }
        // An encrypted key must fail at once, never wait for a passphrase on the terminal.
        let encrypted = OpenSSLTool.directory + "/test-only-encrypted.pem"
        try OpenSSLTool.run(["pkey", "-in", OpenSSLTool.rsaKey.privatePath, "-aes256", "-passout", "pass:test", "-out", encrypted])
        XCTAssertThrowsError(try RS256Signer(pemFile: encrypted)) { XCTAssertTrue("\($0)".contains("not a readable"), "\($0)") }
        // The traditional "BEGIN RSA PRIVATE KEY" form works too.
        let traditional = OpenSSLTool.directory + "/test-only-traditional.pem"
        try OpenSSLTool.run(["rsa", "-in", OpenSSLTool.rsaKey.privatePath, "-traditional", "-out", traditional])
        XCTAssertNoThrow(try RS256Signer(pemFile: traditional))
    }
}
