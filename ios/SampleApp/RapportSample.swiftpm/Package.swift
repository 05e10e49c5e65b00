// swift-tools-version:5.9
// The Rapport sample app as an app package: Xcode (14 or later) opens this
// folder directly and runs it on a simulator or a device, with no .xcodeproj
// to keep in sync. It uses the `Rapport` library from the package two folders
// up (ios/), whose identity is that folder's name.
//
// Build ios/RapportFFI.xcframework first (ios/build-xcframework.sh).
import AppleProductTypes
import PackageDescription

let package = Package(
    name: "RapportSample",
    defaultLocalization: "en",
    platforms: [.iOS("16.0")],
    products: [
        .iOSApplication(
            name: "Rapport Sample",
            targets: ["AppModule"],
            bundleIdentifier: "app.rapport.sample",
            displayVersion: "1.0",
            bundleVersion: "1",
            appIcon: .placeholder(icon: .heart),
            accentColor: .presetColor(.teal),
            supportedDeviceFamilies: [.pad, .phone],
            supportedInterfaceOrientations: [
                .portrait,
                .landscapeRight,
                .landscapeLeft,
                .portraitUpsideDown(.when(deviceFamilies: [.pad])),
            ]
        ),
    ],
    dependencies: [
        .package(path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "AppModule",
            dependencies: [.product(name: "Rapport", package: "ios")],
            path: ".",
            // The app's own words in en, de, fr and es (Localized.swift).
            resources: [.process("Localizable.xcstrings")]
        ),
    ]
)
