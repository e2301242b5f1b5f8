import Foundation
import TestSupport
import XCTest
@testable import Security

/// The two ceremonies on the WebAuthn spec's own test vectors (Level 3 §16) and on vectors made by
/// Tests/Fixtures/webauthn/generate.py, whose verdicts PyPI's py_webauthn agrees with; then each
/// rule on its own, by breaking one field of a good ceremony.
final class WebAuthnTests: XCTestCase {
    private struct Fixtures {
        static let spec = load("Tests/Fixtures/webauthn/spec.json")["vectors"] as! [[String: Any]]
        static let generated = load("Tests/Fixtures/webauthn/generated.json")["cases"] as! [[String: Any]]
        static func load(_ path: String) -> [String: Any] {
            let data = FileManager.default.contents(atPath: Repository.path(path))!
            return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        }
    }

    private func hex(_ value: Any?) -> [UInt8] { Hex.decode(value as! String)! }
    private func b64(_ value: Any?) -> [UInt8] { Base64URL.decode(value as! String)! }

    private func kind(_ body: () throws -> Void) -> String {
        do { try body(); return "ok" } catch let error as WebAuthnError { return error.kind.rawValue } catch { return "\(error)" }
    }

    // MARK: W3C WebAuthn Level 3 §16

    func testSpecVectors() throws {
        let expected: [String: (registration: String, authentication: String)] = [
            "none-es256": ("ok", "ok"),
            "packed-self-es256": ("ok", "ok"),
            "none-es256-crossOrigin": ("crossOrigin", "crossOrigin"),
            "none-es256-long-credential-id": ("ok", "ok"),
            // Full attestation (a certificate chain) is refused; the credential's key still verifies assertions.
            "packed-rs256": ("unsupportedAttestation", "ok"),
            "packed-eddsa": ("unsupportedAttestation", "ok"),
        ]
        XCTAssertEqual(Set(Fixtures.spec.map { $0["name"] as! String }), Set(expected.keys))
        for vector in Fixtures.spec {
            let name = vector["name"] as! String
            let rp = RelyingParty(id: vector["rpID"] as! String, origins: vector["origins"] as! [String])
            let registration = vector["registration"] as! [String: Any], authentication = vector["authentication"] as! [String: Any]
            // The spec draws UV at random, so these vectors are checked without requiring it.
            var credential: RelyingParty.NewCredential?
            let registered = kind {
                credential = try rp.verifyRegistration(clientDataJSON: hex(registration["clientDataJSON"]),
                                                       attestationObject: hex(registration["attestationObject"]),
                                                       challenge: hex(registration["challenge"]), requireUserVerification: false)
            }
            XCTAssertEqual(registered, expected[name]!.registration, name)
            if let credential { XCTAssertEqual(credential.credentialID, hex(registration["credential_id"]), name) }
            // The key as the authenticator data carries it, whatever the attestation.
            let object = try CBOR.decode(hex(registration["attestationObject"]))
            let authData = try AuthenticatorData(object[text: "authData"]!.byteString!)
            XCTAssertEqual(authData.attestedCredential?.credentialID, hex(registration["credential_id"]), name)
            let asserted = kind {
                _ = try rp.verifyAssertion(clientDataJSON: hex(authentication["clientDataJSON"]),
                                           authenticatorData: hex(authentication["authenticatorData"]),
                                           signature: hex(authentication["signature"]), challenge: hex(authentication["challenge"]),
                                           publicKey: authData.attestedCredential!.publicKeyBytes, requireUserVerification: false)
            }
            XCTAssertEqual(asserted, expected[name]!.authentication, name)
        }
    }

    func testSpecAssertionIsBoundToItsChallengeAndKey() throws {
        let none = Fixtures.spec.first { $0["name"] as? String == "none-es256" }!
        let other = Fixtures.spec.first { $0["name"] as? String == "packed-self-es256" }!
        let rp = RelyingParty(id: "example.org", origins: ["https://example.org"])
        let registration = none["registration"] as! [String: Any], authentication = none["authentication"] as! [String: Any]
        let key = try AuthenticatorData(CBOR.decode(hex(registration["attestationObject"]))[text: "authData"]!.byteString!)
            .attestedCredential!.publicKeyBytes
        let otherKey = try AuthenticatorData(CBOR.decode(hex((other["registration"] as! [String: Any])["attestationObject"]))[text: "authData"]!
            .byteString!).attestedCredential!.publicKeyBytes
        func assertion(challenge: [UInt8], key: [UInt8]) -> String {
            kind {
                _ = try rp.verifyAssertion(clientDataJSON: hex(authentication["clientDataJSON"]),
                                           authenticatorData: hex(authentication["authenticatorData"]),
                                           signature: hex(authentication["signature"]), challenge: challenge, publicKey: key,
                                           requireUserVerification: false)
            }
        }
        XCTAssertEqual(assertion(challenge: hex(authentication["challenge"]), key: key), "ok")
        XCTAssertEqual(assertion(challenge: hex(registration["challenge"]), key: key), "challengeMismatch")
        XCTAssertEqual(assertion(challenge: hex(authentication["challenge"]), key: otherKey), "badSignature")
    }

    // MARK: Generated with a second implementation

    private func run(_ item: [String: Any], rp override: RelyingParty? = nil, challenge: [UInt8]? = nil,
                     clientDataJSON: [UInt8]? = nil, attestationObject: [UInt8]? = nil,
                     authenticatorData: [UInt8]? = nil, signature: [UInt8]? = nil) -> String {
        let rp = override ?? RelyingParty(id: item["rpID"] as! String, origins: item["origins"] as! [String])
        let uv = item["requireUserVerification"] as! Bool
        return kind {
            if item["ceremony"] as? String == "registration" {
                _ = try rp.verifyRegistration(clientDataJSON: clientDataJSON ?? b64(item["clientDataJSON"]),
                                              attestationObject: attestationObject ?? b64(item["attestationObject"]),
                                              challenge: challenge ?? b64(item["challenge"]), requireUserVerification: uv)
            } else {
                _ = try rp.verifyAssertion(clientDataJSON: clientDataJSON ?? b64(item["clientDataJSON"]),
                                           authenticatorData: authenticatorData ?? b64(item["authenticatorData"]),
                                           signature: signature ?? b64(item["signature"]), challenge: challenge ?? b64(item["challenge"]),
                                           publicKey: b64(item["credentialPublicKey"]), requireUserVerification: uv)
            }
        }
    }

    private func generated(_ name: String) -> [String: Any] {
        Fixtures.generated.first { $0["name"] as? String == name }!
    }

    func testGeneratedVectors() {
        XCTAssertGreaterThanOrEqual(Fixtures.generated.count, 20)
        for item in Fixtures.generated {
            XCTAssertEqual(run(item), item["expect"] as! String, item["name"] as! String)
        }
    }

    func testGeneratedRegistrationsYieldTheCredential() throws {
        for (name, alg) in [("registration-es256", -7), ("registration-rs256", -257), ("registration-eddsa", -8)] {
            let item = generated(name)
            let rp = RelyingParty(id: "localhost", origins: ["http://localhost:3000"])
            let credential = try rp.verifyRegistration(clientDataJSON: b64(item["clientDataJSON"]),
                                                       attestationObject: b64(item["attestationObject"]),
                                                       challenge: b64(item["challenge"]), requireUserVerification: true)
            XCTAssertEqual(credential.credentialID, b64(item["credentialID"]), name)
            XCTAssertEqual(credential.algorithm.rawValue, alg, name)
            XCTAssertTrue(credential.userVerified, name)
        }
    }

    // MARK: Each rule on its own

    func testWrongChallengeAndReplayedChallengeOfAnotherCeremony() {
        let item = generated("registration-es256")
        XCTAssertEqual(run(item, challenge: SecureRandom.bytes(32)), "challengeMismatch")
        // The challenge of another ceremony (what a replay carries) is as wrong as a random one.
        XCTAssertEqual(run(item, challenge: b64(generated("registration-rs256")["challenge"])), "challengeMismatch")
        XCTAssertEqual(run(generated("authentication-es256"), challenge: SecureRandom.bytes(32)), "challengeMismatch")
    }

    func testClientDataIsParsedNotCompared() throws {
        let item = generated("authentication-es256")
        // Re-serialised with other key order and spacing: still refused only because the signature
        // covers the exact bytes (a text comparison would already fail at the type).
        var object = try JSONSerialization.jsonObject(with: Data(b64(item["clientDataJSON"]))) as! [String: Any]
        let pretty = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        XCTAssertEqual(run(item, clientDataJSON: Array(pretty)), "badSignature")
        object["type"] = "webauthn.create"
        XCTAssertEqual(run(item, clientDataJSON: Array(try JSONSerialization.data(withJSONObject: object))), "wrongType")
        XCTAssertEqual(run(item, clientDataJSON: Array("not json".utf8)), "malformedClientData")
        XCTAssertEqual(run(item, clientDataJSON: Array("[1]".utf8)), "malformedClientData")
        object["type"] = "webauthn.get"
        object["topOrigin"] = "https://evil.example"
        XCTAssertEqual(run(item, clientDataJSON: Array(try JSONSerialization.data(withJSONObject: object))), "crossOrigin")
    }

    func testOnlyTheAlgorithmsAskedFor() {
        let es256Only = RelyingParty(id: "localhost", origins: ["http://localhost:3000"], algorithms: [.es256])
        XCTAssertEqual(run(generated("registration-rs256"), rp: es256Only), "unsupportedAlgorithm")
        XCTAssertEqual(run(generated("registration-eddsa"), rp: es256Only), "unsupportedAlgorithm")
        XCTAssertEqual(run(generated("registration-es256"), rp: es256Only), "ok")
    }

    /// The generated ES256 registration with its authenticator data rewritten by `edit`.
    private func registration(editing edit: (inout [UInt8]) -> Void, format: String = "none",
                              statement: CBOR = .map([])) throws -> (item: [String: Any], object: [UInt8]) {
        let item = generated("registration-es256")
        var authData = try CBOR.decode(b64(item["attestationObject"]))[text: "authData"]!.byteString!
        edit(&authData)
        let object = CBOR.map([.init(key: .text("fmt"), value: .text(format)), .init(key: .text("attStmt"), value: statement),
                               .init(key: .text("authData"), value: .bytes(authData))])
        return (item, object.encoded())
    }

    func testBackedUpWithoutBackupEligibleIsRefused() throws {
        let (item, good) = try registration { _ in }
        XCTAssertEqual(run(item, attestationObject: good), "ok")
        let (_, bsOnly) = try registration { $0[32] |= 0x10 }
        XCTAssertEqual(run(item, attestationObject: bsOnly), "backupStateInconsistent")
        let (_, both) = try registration { $0[32] |= 0x18 }
        XCTAssertEqual(run(item, attestationObject: both), "ok")
    }

    func testCredentialIDOf1024BytesIsRefused() throws {
        // Replace the 32-byte credential ID with 1024 bytes (and its length field).
        let (item, long) = try registration { data in
            data.replaceSubrange(53..<55, with: [0x04, 0x00])
            data.replaceSubrange(55..<87, with: [UInt8](repeating: 0xAB, count: 1024))
        }
        XCTAssertEqual(run(item, attestationObject: long), "credentialIDLength")
        let (_, longest) = try registration { data in
            data.replaceSubrange(53..<55, with: [0x03, 0xFF])
            data.replaceSubrange(55..<87, with: [UInt8](repeating: 0xAB, count: 1023))
        }
        XCTAssertEqual(run(item, attestationObject: longest), "ok")
    }

    func testRPIDHashAndTrailingBytes() throws {
        let (item, _) = try registration { _ in }
        let (_, otherSite) = try registration { $0[0] ^= 1 }
        XCTAssertEqual(run(item, attestationObject: otherSite), "rpIDMismatch")
        let (_, trailing) = try registration { $0.append(0) }
        XCTAssertEqual(run(item, attestationObject: trailing), "malformedAuthenticatorData")
        let (_, noCredential) = try registration { data in data[32] &= ~0x40; data.removeSubrange(37...) }
        XCTAssertEqual(run(item, attestationObject: noCredential), "malformedAuthenticatorData")
    }

    func testAttestationStatements() throws {
        let (item, _) = try registration { _ in }
        let (_, nonEmptyNone) = try registration(editing: { _ in }, format: "none",
                                                 statement: .map([.init(key: .text("alg"), value: .negative(6))]))
        XCTAssertEqual(run(item, attestationObject: nonEmptyNone), "malformedAttestation")
        let (_, otherFormat) = try registration(editing: { _ in }, format: "tpm")
        XCTAssertEqual(run(item, attestationObject: otherFormat), "unsupportedAttestation")
        // A packed self-attestation whose signature is broken.
        let packed = generated("registration-es256-packed-self")
        let object = try CBOR.decode(b64(packed["attestationObject"]))
        var sig = object[text: "attStmt"]![text: "sig"]!.byteString!
        sig[sig.count - 1] ^= 1
        let tampered = CBOR.map([.init(key: .text("fmt"), value: .text("packed")),
                                 .init(key: .text("attStmt"), value: .map([.init(key: .text("alg"), value: .negative(6)),
                                                                            .init(key: .text("sig"), value: .bytes(sig))])),
                                 .init(key: .text("authData"), value: object[text: "authData"]!)])
        XCTAssertEqual(run(packed, attestationObject: tampered.encoded()), "badAttestationSignature")
        XCTAssertEqual(run(item, attestationObject: [0xA0]), "malformedAttestation")
        XCTAssertEqual(run(item, attestationObject: [0x9F]), "malformedAttestation")
    }

    func testCOSEKeysOffTheCurveOrTooSmallAreRefused() throws {
        let x = [UInt8](repeating: 1, count: 32), y = [UInt8](repeating: 2, count: 32)
        let offCurve = CBOR.map([.init(key: .unsigned(1), value: .unsigned(2)), .init(key: .unsigned(3), value: .negative(6)),
                                 .init(key: .negative(0), value: .unsigned(1)), .init(key: .negative(1), value: .bytes(x)),
                                 .init(key: .negative(2), value: .bytes(y))])
        XCTAssertThrowsError(try COSEKey(offCurve))
        let smallRSA = CBOR.map([.init(key: .unsigned(1), value: .unsigned(3)), .init(key: .unsigned(3), value: .negative(256)),
                                 .init(key: .negative(0), value: .bytes([UInt8](repeating: 0xC1, count: 128))),
                                 .init(key: .negative(1), value: .bytes([1, 0, 1]))])
        XCTAssertThrowsError(try COSEKey(smallRSA))
    }
}
