import COpenSSL

/// Authenticated encryption for small secrets at rest (TOTP seeds): AES-256-GCM with a random
/// 96-bit nonce. A sealed box is nonce ‖ ciphertext ‖ 16-byte tag, so it is self-contained.
/// `associatedData` (e.g. the owning user's id) is authenticated but not stored, which stops a
/// box copied onto another row from opening there.
///
/// Random nonces are safe for far more boxes than this app will ever seal under one key
/// (NIST SP 800-38D allows 2³² per key).
public struct SecretBox: Sendable {
    public static let keyByteCount = 32
    public static let nonceByteCount = 12
    public static let tagByteCount = 16

    public enum Error: Swift.Error, Equatable {
        case invalidKeyLength
        /// Too short to hold a nonce and a tag.
        case malformed
        /// Wrong key, wrong associated data, or the box was altered.
        case authenticationFailed
    }

    private let key: [UInt8]

    public init(key: [UInt8]) throws {
        guard key.count == Self.keyByteCount else { throw Error.invalidKeyLength }
        self.key = key
    }

    public func seal(_ plaintext: [UInt8], associatedData: [UInt8] = []) -> [UInt8] {
        let nonce = SecureRandom.bytes(Self.nonceByteCount)
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count)
        var tag = [UInt8](repeating: 0, count: Self.tagByteCount)
        let ok = withContext(encrypt: true, nonce: nonce) { context in
            guard feedAssociatedData(context, associatedData, encrypt: true),
                  update(context, plaintext, into: &ciphertext, encrypt: true) else { return false }
            var extra = [UInt8](repeating: 0, count: 16)
            var length: Int32 = 0
            guard EVP_EncryptFinal_ex(context, &extra, &length) == 1, length == 0 else { return false }
            return EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(Self.tagByteCount), &tag) == 1
        }
        // Only an OpenSSL malfunction gets here; storing a secret unencrypted would be worse than stopping.
        guard ok else { fatalError("AES-256-GCM encryption failed (OpenSSL error \(ERR_get_error()))") }
        return nonce + ciphertext + tag
    }

    public func open(_ box: [UInt8], associatedData: [UInt8] = []) throws -> [UInt8] {
        guard box.count >= Self.nonceByteCount + Self.tagByteCount else { throw Error.malformed }
        let nonce = Array(box[0..<Self.nonceByteCount])
        let ciphertext = Array(box[Self.nonceByteCount..<(box.count - Self.tagByteCount)])
        var tag = Array(box.suffix(Self.tagByteCount))
        var plaintext = [UInt8](repeating: 0, count: ciphertext.count)
        let ok = withContext(encrypt: false, nonce: nonce) { context in
            guard feedAssociatedData(context, associatedData, encrypt: false),
                  update(context, ciphertext, into: &plaintext, encrypt: false),
                  EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(Self.tagByteCount), &tag) == 1 else { return false }
            var extra = [UInt8](repeating: 0, count: 16)
            var length: Int32 = 0
            return EVP_DecryptFinal_ex(context, &extra, &length) == 1  // checks the tag
        }
        guard ok else {
            ERR_clear_error()
            plaintext.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
            throw Error.authenticationFailed
        }
        return plaintext
    }

    // MARK: - OpenSSL EVP plumbing

    private func withContext(encrypt: Bool, nonce: [UInt8], _ body: (OpaquePointer) -> Bool) -> Bool {
        guard let context = EVP_CIPHER_CTX_new() else { return false }
        defer { EVP_CIPHER_CTX_free(context) }
        let initialise = encrypt ? EVP_EncryptInit_ex : EVP_DecryptInit_ex
        guard initialise(context, EVP_aes_256_gcm(), nil, nil, nil) == 1,
              EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, Int32(nonce.count), nil) == 1,
              initialise(context, nil, nil, key, nonce) == 1 else { return false }
        return body(context)
    }

    private func feedAssociatedData(_ context: OpaquePointer, _ data: [UInt8], encrypt: Bool) -> Bool {
        guard !data.isEmpty else { return true }
        var length: Int32 = 0
        return encrypt
            ? EVP_EncryptUpdate(context, nil, &length, data, Int32(data.count)) == 1
            : EVP_DecryptUpdate(context, nil, &length, data, Int32(data.count)) == 1
    }

    private func update(_ context: OpaquePointer, _ input: [UInt8], into output: inout [UInt8], encrypt: Bool) -> Bool {
        guard !input.isEmpty else { return true }
        var length: Int32 = 0
        let ok = encrypt
            ? EVP_EncryptUpdate(context, &output, &length, input, Int32(input.count))
            : EVP_DecryptUpdate(context, &output, &length, input, Int32(input.count))
        return ok == 1 && Int(length) == input.count  // GCM is a stream mode: all output comes at once
    }
}
