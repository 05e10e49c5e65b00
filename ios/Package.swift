// swift-tools-version:5.9
// Rapport for iOS: the Rust core as a static library in an xcframework
// (RapportFFI, built by build-xcframework.sh) and the `Rapport` Swift module:
// the generated bindings plus what an iOS app needs around them (a Keychain
// SecretStore, a URLSession HttpClient, and the screens' models).
//
// Run ./build-xcframework.sh once before opening this package: it writes both
// RapportFFI.xcframework and Sources/Rapport/Generated/rapport_ffi.swift from the
// same build, so their checksums match.
import PackageDescription

let package = Package(
    name: "Rapport",
    // iOS 16: Swift Charts (the therapist's dashboard) and NavigationStack.
    platforms: [.iOS(.v16)],
    products: [
        .library(name: "Rapport", targets: ["Rapport"]),
    ],
    targets: [
        // Holds librapport_ffi.a for device and simulator, with the C header and
        // the `rapport_ffiFFI` module map the generated Swift imports.
        .binaryTarget(name: "RapportFFI", path: "RapportFFI.xcframework"),
        .target(
            name: "Rapport",
            dependencies: ["RapportFFI"],
            path: "Sources/Rapport",
            linkerSettings: [
                // The Keychain store. (The Rust side needs only libSystem:
                // its random bytes come from CCRandomGenerateBytes there.)
                .linkedFramework("Security"),
            ]
        ),
    ]
)
