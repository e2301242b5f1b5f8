// swift-tools-version:5.9
// twofa: no SwiftPM package dependencies. System libraries come in through the
// system-library targets below; everything else is Foundation, Dispatch, Glibc.
import PackageDescription

let package = Package(
    name: "twofa",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "twofa", targets: ["twofa"]),
    ],
    targets: [
        // System libraries (apt: libsqlite3-dev, libpq-dev, libcrypt-dev, libssl-dev).
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CPostgreSQL", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CCrypt", pkgConfig: "libxcrypt", providers: [.apt(["libcrypt-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        // epoll, eventfd and accept4: kernel interfaces from libc that Glibc's module omits.
        .systemLibrary(name: "CLinux"),

        // Layers, lowest first. Arrows point down only.
        .target(name: "Support", dependencies: ["CLinux"]),
        .target(name: "HTTP", dependencies: ["CLinux", "Support"]),
        .target(name: "Database", dependencies: ["CSQLite", "CPostgreSQL", "Support"]),
        .target(name: "Security", dependencies: ["CCrypt", "COpenSSL", "Support"]),
        .target(name: "Templates", dependencies: ["Support"]),
        // COpenSSL: the SMTP gateway's TLS (STARTTLS and implicit TLS) on our own sockets.
        .target(name: "Messaging", dependencies: ["COpenSSL", "Support"]),
        // Pure QR Code encoder (ISO/IEC 18004) drawing SVG; depends on nothing.
        .target(name: "QRCode"),
        // The Verify engine (built-in and Vonage-delegating) below the web app: App → Verify, never back.
        // HTTP only for FormURLEncoded (the bodies of Vonage Verify calls).
        .target(name: "Verify", dependencies: ["Database", "HTTP", "Messaging", "Security", "Support"]),
        .target(name: "App", dependencies: ["HTTP", "Database", "Security", "Templates", "Messaging", "QRCode", "Verify", "Support"]),
        .executableTarget(name: "twofa", dependencies: ["App", "Support"]),

        // What the test targets share: raw HTTP clients, fake providers, log capture, the
        // repository and its built binary, subprocesses with a watchdog, polling.
        .target(name: "TestSupport", dependencies: ["HTTP", "Support"], path: "Tests/TestSupport",
                exclude: ["smtp_server.py"]),
        // One test target per layer; IntegrationTests drive the real server over sockets.
        .testTarget(name: "HTTPTests", dependencies: ["HTTP", "Support", "TestSupport"]),
        .testTarget(name: "DatabaseTests", dependencies: ["Database", "Support", "TestSupport"]),
        .testTarget(name: "SecurityTests", dependencies: ["Security", "Support", "TestSupport"]),
        .testTarget(name: "TemplatesTests", dependencies: ["Templates", "Support", "TestSupport"]),
        .testTarget(name: "MessagingTests", dependencies: ["Messaging", "Security", "HTTP", "Support", "TestSupport"]),
        .testTarget(name: "QRCodeTests", dependencies: ["QRCode", "TestSupport"], exclude: ["decode.py"]),
        .testTarget(name: "AppTests", dependencies: ["App", "HTTP", "Database", "Security", "Messaging", "Support", "TestSupport"]),
        .testTarget(name: "IntegrationTests", dependencies: ["App", "Verify", "HTTP", "Database", "Security", "Messaging", "Support", "TestSupport"]),
    ]
)
