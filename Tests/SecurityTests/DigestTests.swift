import Dispatch
import Foundation
import XCTest
@testable import Security

final class DigestTests: XCTestCase {
    private func hex(_ bytes: [UInt8]) -> String { Hex.encode(bytes) }
    private let longKeyMessage = "Test Using Larger Than Block-Size Key - Hash Key First"

    // NIST FIPS 180-2 examples.
    func testSHA256Vectors() {
        XCTAssertEqual(hex(Digest.sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(hex(Digest.sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(hex(Digest.sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(Digest.sha256(Array("abc".utf8)), Digest.sha256("abc"))
        XCTAssertEqual(hex(Digest.sha256([])), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    /// A string is hashed as its UTF-8 wherever it lies: inline (up to 15 bytes), on the heap,
    /// or bridged from an NSString (not contiguous UTF-8 until asked).
    func testSHA256OfAStringIsThatOfItsUTF8() {
        for text in ["é", "a session token of 43 characters, say, or so", "ünïcödé ✓ " + String(repeating: "x", count: 100)] {
            XCTAssertEqual(Digest.sha256(text), Digest.sha256(Array(text.utf8)), text)
            let bridged = String(NSString(string: text))
            XCTAssertEqual(Digest.sha256(bridged), Digest.sha256(Array(text.utf8)), text)
        }
    }

    // RFC 4231 test cases 1, 2, 3 and 6.
    func testHMACSHA256Vectors() {
        XCTAssertEqual(hex(Digest.hmacSHA256(key: [UInt8](repeating: 0x0b, count: 20), message: "Hi There")),
                       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        XCTAssertEqual(hex(Digest.hmacSHA256(key: Array("Jefe".utf8), message: "what do ya want for nothing?")),
                       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        XCTAssertEqual(hex(Digest.hmacSHA256(key: [UInt8](repeating: 0xaa, count: 20), message: [UInt8](repeating: 0xdd, count: 50))),
                       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe")
        XCTAssertEqual(hex(Digest.hmacSHA256(key: [UInt8](repeating: 0xaa, count: 131), message: longKeyMessage)),
                       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    /// The keyed states give what the one-shot gives: RFC 4231's vectors, the empty key and
    /// message, keys of one block and one byte more (hashed first), and many threads sharing one key.
    func testHMACKeyMatchesTheOneShot() {
        let keys: [[UInt8]] = [[UInt8](repeating: 0x0b, count: 20), Array("Jefe".utf8), [], [UInt8](repeating: 0xaa, count: 131),
                               (0..<32).map { UInt8($0) }, (0..<64).map { UInt8($0) }, (0..<65).map { UInt8($0) }]
        let messages: [[UInt8]] = [Array("Hi There".utf8), [], Array(longKeyMessage.utf8), [UInt8](repeating: 0xdd, count: 1000)]
        for key in keys {
            let keyed = HMACKey(key)
            for message in messages {
                XCTAssertEqual(keyed.mac(message), Digest.hmacSHA256(key: key, message: message), "key \(key.count), message \(message.count)")
            }
        }
        XCTAssertEqual(hex(HMACKey(Array("Jefe".utf8)).mac("what do ya want for nothing?")),
                       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        let shared = HMACKey(Array("shared".utf8))
        let expected = (0..<64).map { Digest.hmacSHA256(key: Array("shared".utf8), message: "message \($0)") }
        DispatchQueue.concurrentPerform(iterations: 64) { i in
            for _ in 0..<50 { XCTAssertEqual(shared.mac("message \(i)"), expected[i]) }
        }
    }

    func testHMACWithEmptyKeyAndMessage() {
        XCTAssertEqual(hex(Digest.hmacSHA256(key: [], message: [])),
                       "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    // RFC 2202 test cases 1, 2, 3 and 6.
    func testHMACSHA1Vectors() {
        XCTAssertEqual(hex(Digest.hmacSHA1(key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8))),
                       "b617318655057264e28bc0b6fb378c8ef146be00")
        XCTAssertEqual(hex(Digest.hmacSHA1(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))),
                       "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
        XCTAssertEqual(hex(Digest.hmacSHA1(key: [UInt8](repeating: 0xaa, count: 20), message: [UInt8](repeating: 0xdd, count: 50))),
                       "125d7342b9ac11cd91a39af48aa17b4f63f175d3")
        XCTAssertEqual(hex(Digest.hmacSHA1(key: [UInt8](repeating: 0xaa, count: 80), message: Array(longKeyMessage.utf8))),
                       "aa4ae5e15272d00e95705637ce8a3b55ed402112")
    }
}
