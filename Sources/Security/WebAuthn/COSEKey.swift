import COpenSSL

/// A credential public key as WebAuthn sends it: a COSE_Key (RFC 9052 §7, RFC 9053, RFC 8230)
/// in CBOR. Only the three algorithms we ask browsers for are read; the key is turned into a
/// DER SubjectPublicKeyInfo once, and OpenSSL checks signatures against it.
public struct COSEKey: Equatable, Sendable {
    /// COSE algorithm identifiers (IANA "COSE Algorithms").
    public enum Algorithm: Int, Sendable, CaseIterable {
        case es256 = -7
        case eddsa = -8
        case rs256 = -257
    }

    public let algorithm: Algorithm
    /// DER SubjectPublicKeyInfo (RFC 5280 §4.1), what `d2i_PUBKEY` reads.
    let subjectPublicKeyInfo: [UInt8]

    /// Reads a COSE_Key map. Refuses other algorithms, other curves, compressed or short EC
    /// coordinates, and RSA keys under 2048 bits.
    public init(_ key: CBOR) throws {
        guard key.pairs != nil else { throw COSEKeyError("the credential public key is not a CBOR map") }
        guard let alg = key[int: 3]?.int else { throw COSEKeyError("the credential public key names no algorithm") }
        guard let algorithm = Algorithm(rawValue: alg) else {
            throw COSEKeyError("the credential public key's algorithm \(alg) is not one we accept (ES256, EdDSA, RS256)")
        }
        let kty = key[int: 1]?.int
        self.algorithm = algorithm
        switch algorithm {
        case .es256:
            // kty EC2, crv P-256, x and y 32 bytes each (uncompressed: y is given, not a sign bit).
            guard kty == 2, key[int: -1]?.int == 1,
                  let x = key[int: -2]?.byteString, x.count == 32,
                  let y = key[int: -3]?.byteString, y.count == 32 else {
                throw COSEKeyError("not an uncompressed P-256 key for ES256")
            }
            subjectPublicKeyInfo = DER.sequence([
                DER.sequence([DER.oid([0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]),            // id-ecPublicKey
                              DER.oid([0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07])]),    // prime256v1
                DER.bitString([0x04] + x + y),
            ])
        case .eddsa:
            guard kty == 1, key[int: -1]?.int == 6, let x = key[int: -2]?.byteString, x.count == 32 else {
                throw COSEKeyError("not an Ed25519 key for EdDSA")
            }
            subjectPublicKeyInfo = DER.sequence([DER.sequence([DER.oid([0x2B, 0x65, 0x70])]), DER.bitString(x)])  // id-Ed25519
        case .rs256:
            guard kty == 3, var n = key[int: -1]?.byteString, let e = key[int: -2]?.byteString,
                  !e.isEmpty, e.count <= 8 else {
                throw COSEKeyError("not an RSA key for RS256")
            }
            while n.first == 0 { n.removeFirst() }
            guard n.count >= 256, n.count <= 1024 else { throw COSEKeyError("the RSA key is not 2048 to 8192 bits") }
            subjectPublicKeyInfo = DER.sequence([
                DER.sequence([DER.oid([0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]), [0x05, 0x00]]),  // rsaEncryption, NULL
                DER.bitString(DER.sequence([DER.unsignedInteger(n), DER.unsignedInteger(e)])),
            ])
        }
        // OpenSSL must accept it now (an EC point off the curve fails here), not at first use.
        guard let parsed = Self.publicKey(subjectPublicKeyInfo) else {
            throw COSEKeyError("OpenSSL does not accept the credential public key")
        }
        EVP_PKEY_free(parsed)
    }

    /// Decodes COSE_Key bytes as stored (exactly one CBOR item).
    public init(bytes: [UInt8]) throws {
        do { try self.init(CBOR.decode(bytes)) } catch let error as CBORError { throw COSEKeyError(error.description) }
    }

    /// Whether `signature` is this key's signature over `message`: ES256 signatures are DER
    /// (ECDSA-Sig-Value, WebAuthn §6.5.5), RS256 PKCS #1 v1.5 with SHA-256, EdDSA raw Ed25519.
    public func verify(signature: [UInt8], message: [UInt8]) -> Bool {
        guard !signature.isEmpty, let key = Self.publicKey(subjectPublicKeyInfo) else { return false }
        defer { EVP_PKEY_free(key) }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        // Ed25519 hashes inside the algorithm: no digest is named.
        let digest = algorithm == .eddsa ? nil : EVP_sha256()
        guard EVP_DigestVerifyInit(context, nil, digest, nil, key) == 1 else { ERR_clear_error(); return false }
        let ok = signature.withUnsafeBufferPointer { sig in
            message.withUnsafeBufferPointer { msg in
                EVP_DigestVerify(context, sig.baseAddress, sig.count, msg.baseAddress, msg.count)
            }
        }
        ERR_clear_error()   // a failed verification leaves reasons on this thread's queue
        return ok == 1
    }

    private static func publicKey(_ der: [UInt8]) -> OpaquePointer? {
        der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            let key = d2i_PUBKEY(nil, &cursor, buffer.count)
            // All of it must be the key: nothing left over.
            if let key, cursor != buffer.baseAddress! + buffer.count { EVP_PKEY_free(key); return nil }
            if key == nil { ERR_clear_error() }
            return key
        }
    }
}

public struct COSEKeyError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The few DER constructions a SubjectPublicKeyInfo needs (X.690).
enum DER {
    static func length(_ count: Int) -> [UInt8] {
        if count < 0x80 { return [UInt8(count)] }
        var bytes: [UInt8] = []
        var n = count
        while n > 0 { bytes.insert(UInt8(n & 0xFF), at: 0); n >>= 8 }
        return [0x80 | UInt8(bytes.count)] + bytes
    }

    static func tagged(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] { [tag] + length(content.count) + content }
    static func sequence(_ parts: [[UInt8]]) -> [UInt8] { tagged(0x30, parts.flatMap { $0 }) }
    static func oid(_ encoded: [UInt8]) -> [UInt8] { tagged(0x06, encoded) }
    static func bitString(_ bits: [UInt8]) -> [UInt8] { tagged(0x03, [0x00] + bits) }

    /// A positive INTEGER from big-endian magnitude bytes (a 0x00 in front when the top bit is set).
    static func unsignedInteger(_ magnitude: [UInt8]) -> [UInt8] {
        var bytes = Array(magnitude.drop { $0 == 0 })
        if bytes.isEmpty { bytes = [0] }
        if bytes[0] & 0x80 != 0 { bytes.insert(0, at: 0) }
        return tagged(0x02, bytes)
    }
}
