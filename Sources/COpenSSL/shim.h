// SHA256_Init/Update/Final are deprecated in OpenSSL 3 but kept, and unlike the EVP calls they
// neither fetch nor allocate (Digest.sha256 hashes a cookie on every page view): without their
// deprecation attributes, Swift imports them without a warning.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/hmac.h>
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <openssl/x509.h>
